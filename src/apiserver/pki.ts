/**
 * The API server's PKI, created on first start in a data directory and reused afterwards:
 * a CA, a serving certificate (SANs: localhost, 127.0.0.1, the host name, the bind address and any extra hosts),
 * a client certificate the API server presents to node agents (CN stratus-apiserver) and an admin bearer token.
 * Keys are ECDSA P-256; every file is written with mode 0600.
 */
// @peculiar/x509 uses tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { webcrypto, randomBytes, X509Certificate as NodeX509 } from 'node:crypto';
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync, renameSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

const crypto = webcrypto;
x509.cryptoProvider.set(crypto as never);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const CA_YEARS = 10;
const LEAF_YEARS = 2;

export interface PkiPaths {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  clientCert: string;
  clientKey: string;
  adminToken: string;
}

export interface Pki {
  dir: string;
  paths: PkiPaths;
  caCertPem: string;
  caKeyPem: string;
  /** Serving certificate for the API server's HTTPS listener. */
  servingCertPem: string;
  servingKeyPem: string;
  /** Client certificate (CN stratus-apiserver) for calls from the API server to node agents. */
  clientCertPem: string;
  clientKeyPem: string;
  /** Bearer token of the cluster admin (user `admin`, group `system:masters`). */
  adminToken: string;
}

export interface EnsurePkiOptions {
  /** Extra DNS names or IP addresses for the serving certificate (e.g. the bind address). */
  hosts?: string[];
}

export interface CertificateRequest {
  commonName: string;
  organizations?: string[];
  /** DNS names and IP addresses (server certificates). */
  hosts?: string[];
  usage: 'server' | 'client' | 'server-and-client';
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

/** Creates whatever is missing in `dir` and returns the PKI. The serving certificate is reissued when a host is missing from it. */
export async function ensurePki(dir: string, options: EnsurePkiOptions = {}): Promise<Pki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const paths: PkiPaths = {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    servingCert: join(dir, 'apiserver.crt'),
    servingKey: join(dir, 'apiserver.key'),
    clientCert: join(dir, 'apiserver-client.crt'),
    clientKey: join(dir, 'apiserver-client.key'),
    adminToken: join(dir, 'admin.token'),
  };

  if (!existsSync(paths.caCert) || !existsSync(paths.caKey)) {
    const ca = await createCa('stratus-ca');
    writePrivate(paths.caKey, ca.keyPem);
    writePrivate(paths.caCert, ca.certPem);
  }
  const caCertPem = readFileSync(paths.caCert, 'utf8');
  const caKeyPem = readFileSync(paths.caKey, 'utf8');

  const hosts = servingHosts(options.hosts ?? []);
  if (!existsSync(paths.servingCert) || !existsSync(paths.servingKey) || !certCoversHosts(readFileSync(paths.servingCert, 'utf8'), hosts)) {
    const serving = await signCertificate({ caCertPem, caKeyPem }, { commonName: 'stratus-apiserver', hosts, usage: 'server' });
    writePrivate(paths.servingKey, serving.keyPem);
    writePrivate(paths.servingCert, serving.certPem);
  }
  if (!existsSync(paths.clientCert) || !existsSync(paths.clientKey)) {
    const client = await signCertificate({ caCertPem, caKeyPem }, { commonName: 'stratus-apiserver', organizations: ['system:masters'], usage: 'client' });
    writePrivate(paths.clientKey, client.keyPem);
    writePrivate(paths.clientCert, client.certPem);
  }
  if (!existsSync(paths.adminToken)) writePrivate(paths.adminToken, `${randomBytes(32).toString('base64url')}\n`);

  return {
    dir,
    paths,
    caCertPem,
    caKeyPem,
    servingCertPem: readFileSync(paths.servingCert, 'utf8'),
    servingKeyPem: readFileSync(paths.servingKey, 'utf8'),
    clientCertPem: readFileSync(paths.clientCert, 'utf8'),
    clientKeyPem: readFileSync(paths.clientKey, 'utf8'),
    adminToken: readFileSync(paths.adminToken, 'utf8').trim(),
  };
}

/** Issues a certificate signed by the CA (for node agents, kubelet-like serving certs, other clients). */
export async function signCertificate(ca: { caCertPem: string; caKeyPem: string }, request: CertificateRequest): Promise<IssuedCertificate> {
  const caCert = new x509.X509Certificate(ca.caCertPem);
  const caKey = await importPrivateKey(ca.caKeyPem);
  const keys = (await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const usages: string[] = [];
  if (request.usage !== 'client') usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (request.usage !== 'server') usages.push(x509.ExtendedKeyUsage.clientAuth);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(usages),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  const hosts = request.hosts ?? [];
  if (hosts.length > 0) {
    extensions.push(new x509.SubjectAlternativeNameExtension(hosts.map((h) => ({ type: isIP(h) ? 'ip' as const : 'dns' as const, value: h }))));
  }
  const subject = [`CN=${escapeDn(request.commonName)}`, ...(request.organizations ?? []).map((o) => `O=${escapeDn(o)}`)].join(', ');
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + LEAF_YEARS * 365 * 86_400_000),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions,
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportPrivateKey(keys.privateKey) };
}

async function createCa(commonName: string): Promise<IssuedCertificate> {
  const keys = (await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + CA_YEARS * 365 * 86_400_000),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportPrivateKey(keys.privateKey) };
}

function servingHosts(extra: string[]): string[] {
  const hosts = ['localhost', '127.0.0.1', hostname(), ...extra].filter((h) => h && h !== '0.0.0.0' && h !== '::');
  return [...new Set(hosts)];
}

function certCoversHosts(certPem: string, hosts: string[]): boolean {
  try {
    const cert = new NodeX509(certPem);
    if (Date.parse(cert.validTo) < Date.now() + 7 * 86_400_000) return false;
    return hosts.every((h) => (isIP(h) ? cert.checkIP(h) !== undefined : cert.checkHost(h, { wildcards: false }) !== undefined));
  } catch {
    return false;
  }
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return crypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
}

async function exportPrivateKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f; // positive
  return bytes.toString('hex');
}

function escapeDn(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}

/** Writes atomically with mode 0600, so a crash never leaves a half-written key. */
function writePrivate(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
