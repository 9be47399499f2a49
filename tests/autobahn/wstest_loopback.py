# Python 2.7: runs `wstest` with every listener bound to 127.0.0.1.
# wstest 0.10.9 binds its WebSocket listener to 0.0.0.0 (listenWS's default
# interface '') and starts an HTTP report server on :8080 unless `-u 0`.
# Usage: exactly like wstest, e.g. wstest_loopback.py -m fuzzingserver -s spec.json
import sys

import autobahntestsuite.wstest as wstest  # first: this imports fuzzing and picks the reactor
from autobahntestsuite import fuzzing

_listenWS = fuzzing.listenWS


def _loopback_listenWS(factory, contextFactory=None, backlog=50, interface='127.0.0.1'):
    return _listenWS(factory, contextFactory, backlog, interface or '127.0.0.1')


fuzzing.listenWS = _loopback_listenWS

# No web report server (it would bind 0.0.0.0) unless the caller asks for one.
if not any(a in ('-u', '--webport') or a.startswith('--webport=') for a in sys.argv[1:]):
    sys.argv[1:1] = ['-u', '0']

wstest.run()
