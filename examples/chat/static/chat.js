// The chat page: one SafeWebSocket per visit, with reconnect and a heartbeat.
//
// What the person always sees: the connection state (connecting, open, reconnecting
// in N s, closed with the reason), and for each message they typed whether it
// reached the room. Nothing typed is lost silently:
//   - typed while connecting or reconnecting: SafeWebSocket queues it (send() says
//     'queued') and sends it, in order, once open;
//   - handed to a socket that then died before the room echoed it back: sent again
//     after the reconnect (pages ignore an id they already show, so a repeat is harmless);
//   - pushed out of a full queue, or still waiting at the final close: marked "not sent",
//     with a button to try again.
// And nothing said in the room is missed: on every (re)connect the server sends the
// room's last messages, and the page adds those it does not show yet.
import { SafeWebSocket } from 'wscore';

const $ = (id) => document.getElementById(id);

function start(room, nick) {
  $('chat').hidden = false;
  $('room').textContent = room;
  $('nick').textContent = nick;
  document.title = `#${room} — wscore chat`;

  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const url = `${scheme}://${location.host}/ws/${encodeURIComponent(room)}?nick=${encodeURIComponent(nick)}`;
  const ws = new SafeWebSocket(url, null, {
    // 1008: the server refused us (bad name or message); retrying would not help.
    reconnect: { initialDelayMs: 500, maxDelayMs: 5000, stopCodes: [1008] },
    heartbeat: { message: '{"type":"ping"}', pong: '{"type":"pong"}', intervalMs: 15000, timeoutMs: 5000 },
    queue: { maxMessages: 200, dropPolicy: 'drop-oldest' },
  });
  window.chatSocket = ws; // for the console (and the end-to-end tests)

  // Messages this page typed, by id; and those not seen coming back from the room yet.
  const typed = new Map();
  const unconfirmed = new Map();

  const state = new ConnectionState($('state'), $('reconnect'));
  $('reconnect').onclick = () => ws.reconnect();

  ws.addEventListener('open', () => {
    state.open();
    // Tells the server how many times this page has opened (2 and up: a reconnect).
    ws.send(JSON.stringify({ type: 'hello', opens: ws.stats.opens }));
  });

  ws.addEventListener('reconnecting', (e) => state.reconnecting(e.detail.attempt, e.detail.delayMs));

  ws.addEventListener('close', (e) => {
    state.lost(e);
    $('online').classList.add('stale'); // until the server tells us again
    if (e.willReconnect) {
      // Handed to the socket that just died and never echoed: queue them again, ahead of newer ones.
      for (const msg of unconfirmed.values()) if (msg.status === 'sent') transmit(msg);
      return; // a 'reconnecting' event follows
    }
    state.closed(e);
    for (const msg of unconfirmed.values()) markFailed(msg, 'connection closed');
  });

  // SafeWebSocket gave up on a message: its queue overflowed, or it was closed for good.
  ws.addEventListener('drop', (e) => {
    const msg = unconfirmed.get(parseId(e.detail.data));
    if (msg) markFailed(msg, e.detail.reason === 'queue-full' ? 'too many waiting' : 'connection closed');
  });

  ws.addEventListener('message', (e) => {
    const event = JSON.parse(e.data);
    if (event.type === 'message') {
      received(event);
    } else if (event.type === 'history') {
      event.messages.forEach(received); // what was said while this page was away (or before it came)
    } else if (event.type === 'presence') {
      $('online').classList.remove('stale');
      showOnline(event.online);
    } else if (event.type === 'welcome') {
      $('worker').textContent = `served by worker ${event.worker}`;
    }
  });

  // A message from the room: ours (now confirmed, even if we had given up on it), or one we do not show yet.
  function received(event) {
    const mine = typed.get(event.id);
    if (mine) {
      unconfirmed.delete(event.id);
      setStatus(mine, 'delivered');
    } else if (!document.querySelector(`[data-id="${CSS.escape(event.id)}"]`)) {
      showMessage({ id: event.id, nick: event.nick, text: event.text, at: event.at * 1000, status: 'delivered' });
    }
  }

  function transmit(msg) {
    const result = ws.send(JSON.stringify({ type: 'message', id: msg.id, text: msg.text }));
    if (result === false) markFailed(msg, 'connection closed');
    else setStatus(msg, result); // 'sent' or 'queued'
  }

  function markFailed(msg, why) {
    unconfirmed.delete(msg.id);
    setStatus(msg, 'failed', why);
  }

  $('compose').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('text');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    const msg = { id: newId(), nick, text, at: Date.now(), status: 'queued' };
    showMessage(msg, () => { unconfirmed.set(msg.id, msg); transmit(msg); });
    typed.set(msg.id, msg);
    unconfirmed.set(msg.id, msg);
    transmit(msg);
  });
}

/** The header's connection state; `data-state` is connecting, open, reconnecting or closed. */
class ConnectionState {
  constructor(output, reconnectButton) {
    this.output = output;
    this.button = reconnectButton;
    this.timer = null;
  }

  show(kind, text) {
    clearInterval(this.timer);
    this.output.dataset.state = kind;
    this.output.textContent = text;
    this.button.hidden = kind !== 'closed';
  }

  open() {
    this.show('open', 'connected');
    this.why = '';
  }

  // Remembers why an open connection ended; failed attempts after it do not overwrite it.
  lost(e) {
    if (this.output.dataset.state === 'open') this.why = describeClose(e);
  }

  reconnecting(attempt, delayMs) {
    const due = Date.now() + delayMs;
    const tick = () => {
      const left = due - Date.now();
      if (left > 0) {
        this.output.dataset.state = 'reconnecting';
        this.output.textContent = `reconnecting in ${Math.ceil(left / 1000)} s (attempt ${attempt}; ${this.why})`;
      } else {
        this.show('connecting', `connecting… (attempt ${attempt})`);
      }
    };
    this.show('reconnecting', '');
    tick();
    this.timer = setInterval(tick, 250);
  }

  closed(e) {
    const who = { local: 'by this page', remote: 'by the server', transport: 'connection lost' }[e.initiator];
    this.show('closed', `closed (${e.code}${e.reason ? `: ${e.reason}` : ''}, ${who})`);
  }
}

const CLOSE_CODES = {
  1000: 'closed', 1001: 'going away', 1006: 'connection lost', 1011: 'server error',
  1012: 'server restarting', 1013: 'server busy', 4000: 'no heartbeat answer',
};

function describeClose(e) {
  return `${e.code} ${e.reason || CLOSE_CODES[e.code] || ''}`.trim();
}

function showMessage(msg, retry) {
  const li = document.createElement('li');
  li.dataset.id = msg.id;
  const time = new Date(msg.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
  li.append(el('time', time), el('b', msg.nick), el('span', msg.text, 'text'), el('small', '', 'status'));
  if (retry) {
    li.classList.add('mine');
    const button = el('button', 'retry', 'retry');
    button.type = 'button';
    button.onclick = () => retry();
    li.append(button);
  }
  msg.element = li;
  setStatus(msg, msg.status);
  const list = document.getElementById('messages');
  list.append(li);
  list.scrollTop = list.scrollHeight;
}

const STATUS_TEXT = { queued: 'waiting for the connection', sent: 'sent', delivered: '', failed: 'not sent' };

function setStatus(msg, status, why) {
  msg.status = status;
  if (!msg.element) return;
  msg.element.dataset.status = status;
  const label = msg.element.querySelector('.status');
  label.textContent = why ? `${STATUS_TEXT[status]}: ${why}` : STATUS_TEXT[status];
}

function showOnline(nicks) {
  document.getElementById('online').replaceChildren(...nicks.map((n) => el('li', n)));
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  node.textContent = text;
  if (className) node.className = className;
  return node;
}

function parseId(data) {
  try {
    return JSON.parse(data).id;
  } catch {
    return undefined;
  }
}

// Unique enough for one room's messages (crypto.randomUUID needs a secure context).
function newId() {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

const params = new URLSearchParams(location.search);
if (params.get('room') && params.get('nick')) {
  start(params.get('room'), params.get('nick'));
} else {
  $('join').hidden = false; // the form reloads this page with ?nick=…&room=…
}
