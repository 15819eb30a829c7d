// totp.mjs - what the Node tests (tests/browser/, tests/hostile/) share about officials'
// second factor: the TOTP code an authenticator app would show (RFC 6238: HMAC-SHA-1,
// 30-second steps, 6 digits), written apart from the service's liboath so that the two
// check each other.
import { createHmac } from 'node:crypto';

// The code of a base32 secret (spaces allowed) at now + steps * 30 s.
export function totpCode(secret, steps = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/\s+/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + steps));
  const mac = createHmac('sha1', key).update(counter).digest();
  const o = mac[19] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}
