// A client of the system engine in a process of its own, so that the tests can run it as
// another user (setpriv): raw API frames over the Unix socket (`ws+unix:`), one step after
// the other, each step's outcome printed as one JSON line — the test asserts on them.
//
//   node socket-client.mjs <socket> lifecycle <image layout dir>
//       images.list, images.import (a job), containers.run with a published port, an HTTP
//       fetch of it from the host, logs.follow, containers.exec, stop and remove
//   node socket-client.mjs <socket> info
//       system.info (or the error that refused it)
import http from 'node:http';
import { WebSocket } from 'ws';

const [socketPath, scenario, layout] = process.argv.slice(2);
const print = (step, value) => process.stdout.write(`${JSON.stringify({ step, ...value })}\n`);

class Client {
  frames = [];
  waiters = new Set();
  nextId = 1;
  closed = null;

  static open(path) {
    const socket = new WebSocket(`ws+unix://${path}:/api`);
    const client = new Client(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  constructor(socket) {
    this.socket = socket;
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()));
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  wake() {
    for (const wake of [...this.waiters]) wake();
  }

  /** The first frame matching `match`, taken from the buffer (waits for it; fails if the socket closes first). */
  next(match) {
    return new Promise((resolve, reject) => {
      const look = () => {
        const index = this.frames.findIndex(match);
        if (index >= 0) {
          this.waiters.delete(look);
          resolve(this.frames.splice(index, 1)[0]);
        } else if (this.closed) {
          this.waiters.delete(look);
          reject(Object.assign(new Error(`the socket closed (${this.closed.code} ${this.closed.reason})`), { frames: this.frames }));
        }
      };
      this.waiters.add(look);
      look();
    });
  }

  async call(method, input = {}) {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, method, input }));
    const frame = await this.next((f) => f.id === id);
    if (frame.error) throw Object.assign(new Error(`${method}: ${frame.error.message}`), { shape: frame.error });
    return frame.result;
  }

  async subscribe(event) {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, subscribe: event }));
    await this.next((f) => f.id === id);
  }

  event(name, match) {
    return this.next((f) => f.event === name && match(f.payload)).then((f) => f.payload);
  }

  async job(method, input) {
    const started = await this.call(method, input);
    await this.event('jobs.done', (job) => job.id === started.id).catch(() => undefined);
    const done = await this.call('jobs.get', { id: started.id });
    if (done.state !== 'succeeded') throw new Error(`${method}: ${done.state}: ${done.error?.message}`);
    return done.result;
  }
}

function fetchText(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

async function eventually(work, tries = 100) {
  for (let i = 0; ; i++) {
    try {
      return await work();
    } catch (error) {
      if (i >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function lifecycle(client) {
  print('images.list', { images: await client.call('images.list') });
  await client.subscribe('jobs.done');
  const imported = await client.job('images.import', { path: layout });
  print('images.import', { tags: imported.flatMap((image) => image.tags ?? []) });

  const script = 'echo started; mkdir -p /www; echo served by the system engine > /www/index.html; exec /bin/busybox httpd -f -p 80 -h /www';
  const container = await client.call('containers.run', {
    image: 'test/a:1',
    options: { command: ['/bin/busybox', 'sh', '-c', script], publish: [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' }] },
  });
  const record = await client.call('containers.inspect', { ref: container.id });
  const port = record.state.network.ports[0].hostPort;
  print('containers.run', { id: container.id, status: record.state.status, port });
  print('fetch', { body: await eventually(() => fetchText(`http://127.0.0.1:${port}/index.html`)) });

  await client.subscribe('logs.lines');
  const follow = await client.call('logs.follow', { ref: container.id, tail: 10 });
  const lines = await client.event('logs.lines', (event) => event.follow === follow.follow && event.lines.some((line) => line.log.includes('started')));
  print('logs.follow', { lines: lines.lines.map((line) => line.log) });
  await client.call('logs.unfollow', { follow: follow.follow });

  const exec = await client.call('containers.exec', { ref: container.id, command: ['cat', '/www/index.html'] });
  print('containers.exec', exec);
  const stopped = await client.call('containers.stop', { ref: container.id, timeoutS: 2 });
  print('containers.stop', { status: stopped.state.status });
  print('containers.remove', await client.call('containers.remove', { ref: container.id }));
}

let client;
try {
  client = await Client.open(socketPath);
  if (scenario === 'lifecycle') await lifecycle(client);
  else print('system.info', { info: await client.call('system.info') });
} catch (error) {
  print('error', { message: error.message, shape: error.shape, closed: client?.closed, frames: error.frames });
  process.exitCode = 1;
} finally {
  client?.socket.close();
}
