// gRPC tooling as users of grpcurl and buf meet it: server reflection lists the broker's service
// and grpc.health.v1.Health, and resolves each to file descriptors from which a client is built
// and called (what `grpcurl list`, `grpcurl describe` and `grpcurl ... Check` do); and `buf lint`
// (STANDARD + COMMENTS, buf.yaml) passes on proto/.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { parse } from 'yaml';
import { startBroker, type TestBroker } from './fixtures/broker.js';
import { repoPath, repoRoot } from './support/paths.js';

interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

/** A real client of grpc.reflection.v1.ServerReflection, from @grpc/reflection's own proto. */
function reflectionClient(address: string): grpc.Client & { ServerReflectionInfo(): grpc.ClientDuplexStream<object, ReflectionResponse> } {
  const require = createRequire(import.meta.url);
  const root = path.join(path.dirname(require.resolve('@grpc/reflection')), '..', 'proto');
  const def = protoLoader.loadSync('grpc/reflection/v1/reflection.proto', { includeDirs: [root], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } } };
  return new pkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure()) as never;
}

/** One request on a fresh ServerReflectionInfo stream, its one reply. */
function ask(client: ReturnType<typeof reflectionClient>, request: object): Promise<ReflectionResponse> {
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    call.once('data', (m: ReflectionResponse) => { resolve(m); call.end(); });
    call.once('error', reject);
    call.write(request);
  });
}

/** FileDescriptorProto bytes wrapped as a FileDescriptorSet (field 1, repeated), as grpcurl assembles them. */
function descriptorSet(files: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const len: number[] = [];
    for (let n = f.length; ; n >>>= 7) {
      if (n < 0x80) { len.push(n); break; }
      len.push((n & 0x7f) | 0x80);
    }
    parts.push(Buffer.from([0x0a, ...len]), f);
  }
  return Buffer.concat(parts);
}

describe('server reflection (as grpcurl uses it)', function () {
  this.timeout(20_000);
  let t: TestBroker;
  let client: ReturnType<typeof reflectionClient>;

  before(async () => {
    t = await startBroker();
    client = reflectionClient(t.grpcAddress);
  });
  after(async () => {
    client.close();
    await t.stop();
  });

  it('lists mshare.v1.Broker and grpc.health.v1.Health', async () => {
    const r = await ask(client, { list_services: '*' });
    const names = (r.list_services_response?.service ?? []).map((s) => s.name).sort();
    assert.deepEqual(names, ['grpc.health.v1.Health', 'mshare.v1.Broker']);
  });

  it('resolves grpc.health.v1.Health to descriptors a client is built from, and that client gets SERVING', async () => {
    const r = await ask(client, { file_containing_symbol: 'grpc.health.v1.Health' });
    assert.equal(r.error_response, undefined, r.error_response?.error_message);
    const files = r.file_descriptor_response?.file_descriptor_proto ?? [];
    assert.ok(files.length >= 1);
    const def = protoLoader.loadFileDescriptorSetFromBuffer(descriptorSet(files), { keepCase: true, enums: String, defaults: true });
    const methods = Object.keys(def['grpc.health.v1.Health'] as object).sort();
    assert.deepEqual(methods, ['Check', 'List', 'Watch']);
    const Health = grpc.loadPackageDefinition(def).grpc as unknown as { health: { v1: { Health: grpc.ServiceClientConstructor } } };
    const health = new Health.health.v1.Health(t.grpcAddress, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Check(req: { service: string }, cb: (err: grpc.ServiceError | null, res?: { status: string }) => void): void;
    };
    try {
      for (const service of ['', 'mshare.v1.Broker']) {
        const res = await new Promise<{ status: string } | undefined>((resolve, reject) => health.Check({ service }, (err, out) => (err ? reject(err) : resolve(out))));
        assert.deepEqual(res, { status: 'SERVING' });
      }
    } finally {
      health.close();
    }
  });

  it('resolves mshare.v1.Broker with the buf-standard message names', async () => {
    const r = await ask(client, { file_containing_symbol: 'mshare.v1.Broker' });
    const def = protoLoader.loadFileDescriptorSetFromBuffer(descriptorSet(r.file_descriptor_response?.file_descriptor_proto ?? []), { keepCase: true });
    const service = def['mshare.v1.Broker'] as grpc.ServiceDefinition;
    const typeName = (m: string, side: 'requestType' | 'responseType') =>
      ((service[m] as unknown as Record<string, { type: { name: string } }>)[side]).type.name;
    assert.equal(typeName('ReadRegion', 'responseType'), 'ReadRegionResponse');
    assert.equal(typeName('AccessStream', 'requestType'), 'AccessStreamRequest');
    assert.equal(typeName('AccessStream', 'responseType'), 'AccessStreamResponse');
  });
});

describe('buf lint (STANDARD + COMMENTS, buf.yaml)', function () {
  this.timeout(60_000);

  it('passes on proto/, offline, with SERVICE_SUFFIX the one exception and its reason written', async () => {
    const buf = repoPath('node_modules', '.bin', 'buf');
    const run = await promisify(execFile)(buf, ['lint'], { cwd: repoRoot, env: { ...process.env, BUF_CACHE_DIR: path.join(tmpdir(), 'mshare-buf-cache') } })
      .then(() => ({ code: 0, out: '' }), (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, out: `${err.stdout}${err.stderr}` }));
    assert.equal(run.code, 0, `buf lint:\n${run.out}`);
    const text = readFileSync(repoPath('buf.yaml'), 'utf8');
    const config = parse(text) as { lint: { use: string[]; except: string[]; ignore?: unknown; ignore_only?: unknown } };
    assert.deepEqual(config.lint.use, ['STANDARD', 'COMMENTS']);
    assert.deepEqual(config.lint.except, ['SERVICE_SUFFIX'], 'the only exception');
    assert.equal(config.lint.ignore, undefined);
    assert.equal(config.lint.ignore_only, undefined);
    assert.match(text, /# .*method path/, 'the reason is written in buf.yaml');
  });
});
