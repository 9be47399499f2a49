// Echo server on the Node adapter: every text and binary message comes back.
//   node examples/node/echo_server.mjs 127.0.0.1:9001
// Limits raised so the Autobahn|Testsuite's 16 MiB messages fit; permessage-deflate on.
import { createServer, errors } from './adapter.mjs';

const [host, port] = (process.argv[2] ?? '127.0.0.1:9001').split(':');
const options = { maxFrameSize: 64 << 20, maxMessageSize: 64 << 20, deflate: true };

const server = createServer({
  options,
  onConnection(ws) {
    ws.on('message', (data) => {
      // After the peer's close a send throws ConnectionClosedError: expected, ignored.
      try { ws.send(data); } catch (err) { if (!(err instanceof errors.ConnectionClosedError)) throw err; }
    });
  },
});
server.listen(Number(port), host, () => {
  const { address, port: bound } = server.address();
  console.log(`wscore (Node) echo server listening on ws://${address}:${bound}/`);
});
