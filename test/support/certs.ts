/** Test certificates made with `openssl` into a temp dir: a CA, a server cert for 127.0.0.1, client certs by CN. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Key and cert files of a client whose subject CN is `cn`, signed by the CA. */
  client(cn: string): { key: string; cert: string };
  read(file: string): Buffer;
  remove(): void;
}

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

function signed(dir: string, name: string, cn: string, ext: string): { key: string; cert: string } {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.pem`);
  const extFile = path.join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`]);
  openssl(dir, ['x509', '-req', '-in', csr, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', extFile]);
  return { key, cert };
}

export function makePki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'mshare-pki-'));
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=mshare-test-ca']);
  const server = signed(dir, 'server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  return {
    dir,
    caCert: path.join(dir, 'ca.pem'),
    serverCert: server.cert,
    serverKey: server.key,
    client: (cn) => signed(dir, `client-${cn}`, cn, 'extendedKeyUsage=clientAuth\n'),
    read: (file) => readFileSync(file),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
