import { nginxQuote } from '../grammar.js';
import { CERTS_DICT, LUA_CERTIFICATES_CONTROL, LUA_SSL_CERTIFICATE } from './lua-module.js';

/** Mozilla's "intermediate" configuration (TLS 1.2 + 1.3; guideline 5.7). */
export const TLS_PROTOCOLS = 'TLSv1.2 TLSv1.3';
export const TLS_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
].join(':');
export const TLS_CURVES = 'X25519:prime256v1:secp384r1';

/** Where the certificate set reaches nginx (the control server of the lua data plane). */
export const CERTIFICATES_PATH = '/__gateway/certificates';

/** `listen` for the HTTPS listener (nginx 1.22: http2 is a listen parameter). */
export function httpsListen(listen: string): string {
  return `listen ${listen} ssl http2;`;
}

export interface TlsDirectiveOptions {
  /**
   * The fallback nginx requires in a TLS server (placeholder.ts); never served in lua mode.
   * Absent (reload mode): each server names its own certificate.
   */
  placeholder?: { cert: string; key: string };
  /** Serve from the shared dict (ssl_certificate_by_lua) instead of the placeholder. */
  lua: boolean;
  /** Shared session cache size (default 10m: ~40,000 sessions). */
  sessionCache?: string;
  /** Indentation of each line. */
  indent?: string;
}

/**
 * TLS directives for the http block (inherited by every server with an ssl listen) or for one
 * server: protocols, ciphers and curves as Mozilla's intermediate profile, resumption through a
 * shared session cache (tickets off, as Mozilla advises for nginx before 1.23.2, which never
 * rotates ticket keys), and the certificate: the placeholder plus, in lua mode, the selection
 * by SNI. Pure; the paths come from the gateway's work dir (no quotes or `$` possible).
 */
export function tlsDirectives(o: TlsDirectiveOptions): string {
  const i = o.indent ?? '    ';
  const lines = [
    `ssl_protocols ${TLS_PROTOCOLS};`,
    `ssl_ciphers ${TLS_CIPHERS};`,
    'ssl_prefer_server_ciphers off;',
    `ssl_ecdh_curve ${TLS_CURVES};`,
    `ssl_session_cache shared:gateway_tls:${o.sessionCache ?? '10m'};`,
    'ssl_session_timeout 1d;',
    'ssl_session_tickets off;',
    ...(o.placeholder
      ? [
          `ssl_certificate ${nginxQuote(o.placeholder.cert)};`,
          `ssl_certificate_key ${nginxQuote(o.placeholder.key)};`,
        ]
      : []),
  ];
  const out = lines.map((l) => `${i}${l}\n`).join('');
  if (!o.lua) return out;
  return `${out}${i}ssl_certificate_by_lua_block {\n${i}    ${LUA_SSL_CERTIFICATE}\n${i}}\n`;
}

/** The shared dict of the certificate set (http block; lua mode). */
export function certsDictDirective(size = '32m', indent = '    '): string {
  return `${indent}lua_shared_dict ${CERTS_DICT} ${size};\n`;
}

/**
 * The control location that receives the set (inside the control server; lua mode). The body
 * is kept in memory (a set of a thousand certificates is about 5 MB).
 */
export function certificatesControlLocation(indent = '        '): string {
  const i = indent;
  return (
    `${i}location = ${CERTIFICATES_PATH} {\n` +
    `${i}    default_type text/plain;\n` +
    `${i}    client_max_body_size 64m;\n` +
    `${i}    client_body_buffer_size 64m;\n` +
    `${i}    content_by_lua_block {\n${i}        ${LUA_CERTIFICATES_CONTROL}\n${i}    }\n` +
    `${i}}\n`
  );
}
