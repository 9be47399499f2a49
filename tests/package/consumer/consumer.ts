// A TypeScript consumer of the packed package, compiled with --strict and
// skipLibCheck false by package.test.mjs: the declarations must type real use.
import http from 'node:http';
import { Connection, InvalidUtf8Error, type WsEvent } from 'wscore';
import { WebSocketServer, connect, type SendResult } from 'wscore/node';

const server = Connection.server({ textAsBytes: true, closeTimeoutMs: null, deflate: { level: 1 } });
server.receive(new Uint8Array(0));
const sizes: number[] = [];
for (const event of server.events() as WsEvent[]) {
  switch (event.type) {
    case 'text':
      // Narrowed by the data's type: a string, or bytes with textAsBytes.
      sizes.push(typeof event.data === 'string' ? event.data.length : event.data.byteLength);
      break;
    case 'binary':
      sizes.push(event.data.byteLength);
      break;
    case 'closed':
      sizes.push(event.code);
      console.log(event.initiator satisfies 'local' | 'remote' | 'protocol_error' | 'transport');
      break;
  }
}
try {
  server.sendTextBytes(new Uint8Array([0xff]));
} catch (err) {
  if (err instanceof InvalidUtf8Error) sizes.push(err.validUpTo);
}
const outcome = server.close(1000, 'bye');
if (outcome.outcome === 'already_closed') console.log(outcome.initiator);
server.free();

const httpServer = http.createServer();
const wss = new WebSocketServer({ server: httpServer, path: '/ws', options: { maxMessageSize: 1 << 20 } });
wss.on('connection', (ws, req) => {
  ws.on('message', (data, isBinary) => {
    const result: SendResult = ws.send(data, { binary: isBinary });
    if (result === false) console.log(ws.closeInfo?.initiator, req.url);
  });
  ws.on('close', (event) => console.log(event.code, event.clean));
});
export async function client(url: string): Promise<number> {
  const ws = await connect(url, { subprotocols: ['chat'], headers: { 'X-Token': 't' } });
  ws.send('hi');
  return ws.bufferedAmount + sizes.length;
}
