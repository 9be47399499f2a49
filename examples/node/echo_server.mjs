// Echo server on the Node adapter: every text and binary message comes back.
//   node examples/node/echo_server.mjs 127.0.0.1:9001
// Limits raised so the Autobahn|Testsuite's 16 MiB messages fit; permessage-deflate on.
import { createServer } from '../../target/npm/wscore/adapter.js'; // `wscore/node` as `make npm-package-node` builds it

const [host, port] = (process.argv[2] ?? '127.0.0.1:9001').split(':');
const options = { maxFrameSize: 64 << 20, maxMessageSize: 64 << 20, deflate: true };

const server = createServer({
  options,
  onConnection(ws) {
    ws.on('message', (data) => {
      ws.send(data); // after the peer's close: returns false, nothing sent
    });
  },
});
server.listen(Number(port), host, () => {
  const { address, port: bound } = server.address();
  console.log(`wscore (Node) echo server listening on ws://${address}:${bound}/`);
});
