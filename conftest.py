"""Root conftest: the `pytester` fixture for the plugin's own tests.

`pytest_plugins` is only allowed in the rootdir's conftest, so it lives here
rather than in tests/.
"""

pytest_plugins = ["pytester"]
