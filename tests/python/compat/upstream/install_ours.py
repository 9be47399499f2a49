"""pytest plugin (``-p install_ours``): every ``import wsproto`` after this gets
wscore.compat.wsproto, before the suite under test imports anything."""

import wscore.compat.wsproto

wscore.compat.wsproto.install()
