// The two ways the benches talk to an engine, with one shape — call(method, input),
// subscribe(event), listeners of (event, payload), close(): the API in this process (as the
// window's engine answers it) and raw frames over a Unix socket (as a client of
// `strata system service`). And check(): a reply's result, or a thrown error naming the step.
import { WebSocket } from 'ws';
import { Engine } from '../out/main/engine.js';
import { Api } from '../out/main/api.js';

export function inProcessClient(root, label) {
  const api = new Api({ engine: Engine.open({ root }), onInternalError: (method, error) => process.stderr.write(`${label}: ${method}: ${error?.stack ?? error}\n`) });
  const listeners = new Set();
  const session = api.openSession((event, payload) => listeners.forEach((listener) => listener(event, payload)));
  return { call: (method, input) => session.call(method, input), subscribe: async (event) => session.subscribe(event), listeners, close: () => (session.close(), api.close()) };
}

export async function socketClient(socketPath) {
  const socket = new WebSocket(`ws+unix://${socketPath}:/api`);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const pending = new Map();
  const listeners = new Set();
  let nextId = 1;
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.event) return listeners.forEach((listener) => listener(frame.event, frame.payload));
    pending.get(frame.id)?.(frame.error ? { error: frame.error } : { result: frame.result });
    pending.delete(frame.id);
  });
  const send = (body) =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, ...body }));
    });
  return { call: (method, input) => send({ method, input }), subscribe: (event) => send({ subscribe: event }), listeners, socket, close: () => socket.close() };
}

export async function check(reply, what) {
  const answer = await reply;
  if (answer.error) throw new Error(`${what}: ${answer.error.code}: ${answer.error.message}`);
  return answer.result;
}
