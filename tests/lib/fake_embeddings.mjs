// The vectors the fake upstream answers /v1/embeddings with, computed the
// same way (the rule is written down in tests/support/fake_upstream.cpp):
// component k of an input's vector is FNV-1a 64 over the input's compact
// JSON text followed by k as 8 little-endian bytes, % 2001, minus 1000,
// divided by 1000, as a float32.
function fnv1a(text, k) {
  let hash = 0xcbf29ce484222325n;
  const mask = (1n << 64n) - 1n;
  const mix = (byte) => { hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & mask; };
  for (const byte of Buffer.from(text, 'utf8')) mix(byte);
  for (let shift = 0n; shift < 64n; shift += 8n) mix(Number((BigInt(k) >> shift) & 0xffn));
  return hash;
}

/** The float32 vector of `input` (a string or an array of token ids). */
export const expectedVector = (input, dimensions = 16) =>
  Array.from({ length: dimensions }, (_, k) => Math.fround((Number(fnv1a(JSON.stringify(input), k) % 2001n) - 1000) / 1000));

/** `vector` as float32 numbers (an SDK may hand back float64 widenings of them). */
export const asFloat32 = (vector) => Array.from(vector, Math.fround);
