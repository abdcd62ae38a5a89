/**
 * A stand-in for Temporal Cloud's front door, in front of a local dev server: gRPC over TLS
 * (HTTP/2) that either asks for a client certificate signed by its CA (mTLS) or, given an API key,
 * wants `authorization: Bearer KEY` on every call, answering UNAUTHENTICATED otherwise as Cloud
 * does. Calls that pass are forwarded, stream by stream, to the dev server in clear. It records
 * who called (the certificate's subject) and with what key, so a test can tell that a connection
 * configured through a temporal.toml profile really went through TLS with the profile's identity.
 *
 * The certificates are made with the `openssl` command: Node can use X.509 certificates but not make them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';

export interface Certificates {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** A client certificate the gateway's CA signed, for `subject`. */
  client(subject: string): { cert: string; key: string };
  /** A client certificate signed by another CA: the gateway refuses it. */
  rogueClient(): { cert: string; key: string };
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function signed(dir: string, name: string, subject: string, ca: string, extensions?: string): { cert: string; key: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  openssl(dir, 'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', `${name}.csr`, '-subj', `/CN=${subject}`);
  const extra: string[] = [];
  if (extensions) {
    writeFileSync(path.join(dir, `${name}.ext`), extensions);
    extra.push('-extfile', `${name}.ext`);
  }
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', cert, ...extra);
  return { cert, key };
}

function authority(dir: string, name: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`);
}

export function makeCertificates(dir: string): Certificates {
  authority(dir, 'gateway-ca');
  authority(dir, 'rogue-ca');
  const server = signed(dir, 'server', 'localhost', 'gateway-ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  return {
    dir,
    caCert: path.join(dir, 'gateway-ca.pem'),
    serverCert: server.cert,
    serverKey: server.key,
    client: (subject) => signed(dir, `client-${subject}`, subject, 'gateway-ca', 'extendedKeyUsage=clientAuth\n'),
    rogueClient: () => signed(dir, 'rogue-client', 'mallory', 'rogue-ca', 'extendedKeyUsage=clientAuth\n'),
  };
}

export interface GatewayCall {
  path: string;
  /** The client certificate's common name. */
  subject: string;
  authorization?: string;
}

export interface TlsGateway {
  address: string;
  calls: GatewayCall[];
  /** Connections refused during the TLS handshake (no certificate, or one the CA did not sign). */
  refusedHandshakes: number;
  close(): Promise<void>;
}

/** Headers HTTP/2 does not let a proxy pass on as they are. */
const HOP_HEADERS = new Set([':authority', ':scheme', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);

export async function startTlsGateway(options: { upstream: string; certificates: Certificates; apiKey?: string }): Promise<TlsGateway> {
  const { certificates, apiKey } = options;
  const upstream = http2.connect(`http://${options.upstream}`);
  upstream.on('error', () => undefined);
  const calls: GatewayCall[] = [];
  const gateway: TlsGateway = { address: '', calls, refusedHandshakes: 0, close: async () => undefined };
  const server = http2.createSecureServer({
    key: readFileSync(certificates.serverKey),
    cert: readFileSync(certificates.serverCert),
    ca: readFileSync(certificates.caCert),
    requestCert: apiKey === undefined,
    rejectUnauthorized: apiKey === undefined,
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('tlsClientError', () => gateway.refusedHandshakes++);
  server.on('stream', (down, headers) => {
    const socket = down.session?.socket as TLSSocket | undefined;
    const subject = String(socket?.getPeerCertificate().subject?.CN ?? '');
    const authorization = typeof headers.authorization === 'string' ? headers.authorization : undefined;
    calls.push({ path: String(headers[':path']), subject, ...(authorization ? { authorization } : {}) });
    down.on('error', () => undefined);
    if (apiKey !== undefined && authorization !== `Bearer ${apiKey}`) {
      // A gRPC "trailers-only" answer: status 16 (UNAUTHENTICATED), as Temporal Cloud gives for a bad key.
      down.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'Request unauthorized.' }, { endStream: true });
      return;
    }
    const forwarded = Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_HEADERS.has(name)));
    const up = upstream.request(forwarded);
    up.on('error', () => down.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    let trailers: http2.OutgoingHttpHeaders = {};
    up.on('response', (response) => {
      const answer = response as http2.OutgoingHttpHeaders;
      // Trailers-only answers (errors) end with their headers; the others end with trailers.
      if ('grpc-status' in answer) down.respond(answer, { endStream: true });
      else {
        down.respond(answer, { waitForTrailers: true });
        up.pipe(down);
      }
    });
    up.on('trailers', (received) => (trailers = received as http2.OutgoingHttpHeaders));
    down.on('wantTrailers', () => down.sendTrailers(trailers));
    down.pipe(up);
    down.on('close', () => up.destroyed || up.close());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gateway.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  gateway.close = async () => {
    // Workers' long polls would hold their sessions open for a minute.
    for (const session of sessions) session.destroy();
    upstream.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return gateway;
}
