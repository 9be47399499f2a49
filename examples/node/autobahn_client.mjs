// Drives the Autobahn|Testsuite fuzzing server with the Node adapter as the
// client: fetch the case count, echo every case, then ask for the reports.
//   node examples/node/autobahn_client.mjs ws://127.0.0.1:9001 wscore-node-client
import { connect } from '../../target/npm/wscore/adapter.js'; // `wscore/node` as `make npm-package-node` builds it

const base = process.argv[2] ?? 'ws://127.0.0.1:9001';
const agent = process.argv[3] ?? 'wscore-node-client';
const options = { maxFrameSize: 64 << 20, maxMessageSize: 64 << 20, deflate: true };

// Opens base + path; echoes messages if `echo`, otherwise resolves with the first text.
async function run(path, echo) {
  let ws;
  try {
    ws = await connect(base + path, options);
  } catch (err) {
    console.error(`${path}: ${err.message}`);
    return undefined;
  }
  return new Promise((resolve) => {
    let firstText;
    ws.on('message', (data, isBinary) => {
      if (echo) {
        ws.send(data); // after the close: returns false, nothing sent
      } else if (!isBinary && firstText === undefined) {
        firstText = data;
      }
    });
    ws.on('close', () => resolve(firstText));
    ws.on('error', (err) => { console.error(`${path}: ${err.message}`); resolve(firstText); });
  });
}

const count = Number((await run('/getCaseCount', false))?.trim());
if (!Number.isInteger(count)) {
  console.error('no case count received');
  process.exit(1);
}
console.log(`${count} cases`);
for (let i = 1; i <= count; i++) await run(`/runCase?case=${i}&agent=${encodeURIComponent(agent)}`, true);
await run(`/updateReports?agent=${encodeURIComponent(agent)}`, false);
console.log(`reports updated for ${agent}`);
