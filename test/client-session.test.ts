// The typed client's Session open against a broker that never answers it: openSession() rejects
// after its timeout and nothing else happens (no stray 'error' event, no crash).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { BrokerClient } from '../shared/client/broker-client.js';
import { loadBrokerProto } from '../shared/grpc/proto.js';

describe('BrokerClient.openSession against a silent broker', () => {
  let server: grpc.Server;
  let client: BrokerClient;
  const calls: grpc.ServerDuplexStream<unknown, unknown>[] = [];

  beforeEach(async () => {
    const { proto } = loadBrokerProto();
    server = new grpc.Server();
    // A Session handler that reads the open and never replies (a broker stuck or overloaded).
    server.addService(proto.mshare.v1.Broker.service, {
      Session: (call: grpc.ServerDuplexStream<unknown, unknown>) => { calls.push(call); call.on('data', () => {}); },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    client = new BrokerClient(`127.0.0.1:${port}`);
  });

  afterEach(async () => {
    client.close();
    calls.splice(0);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { server.forceShutdown(); resolve(); }, 1_000);
      server.tryShutdown(() => { clearTimeout(timer); resolve(); });
    });
  });

  it('rejects after the timeout and cancels the call without an unhandled error event', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    // Mocha's own handler would fail the test too; this one makes the cause the assertion.
    const mochaHandlers = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onUncaught);
    try {
      await assert.rejects(client.openSession('silent', 200), /no reply to open/);
      assert.equal(calls.length, 1);
      // The cancel's status surfaces on the client after the rejection, in the ticks that follow
      // cancel(); the server learns of the cancel only over the socket, later. Wait for that.
      if (!calls[0].cancelled) await once(calls[0], 'cancelled');
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('uncaughtException', onUncaught);
      for (const h of mochaHandlers) process.on('uncaughtException', h);
    }
    assert.deepEqual(uncaught.map(String), []);
  });
});
