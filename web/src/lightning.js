// Lightning helpers of the Wallet page, pure (no DOM), so tests run them in
// Node: credits to satoshis at the coordinator's rate, the payment URI a QR
// code carries, and the words shown for top-up and payout states.

/** A non-negative decimal ("12.5") as {digits, scale} (value = digits / 10^scale), or null. */
function parseDecimal(text) {
  const m = /^\s*(\d{1,18})(?:\.(\d{1,18}))?\s*$/.exec(String(text ?? ''));
  if (!m) return null;
  const fraction = m[2] ?? '';
  return { digits: BigInt(m[1] + fraction), scale: fraction.length };
}

/**
 * How many satoshis `credits` (text, as typed) buy when one sat is
 * `creditsPerSat` credits: {sats (BigInt, rounded down), exact}; null when
 * either is not a positive decimal.
 */
export function satsForCredits(credits, creditsPerSat) {
  const amount = parseDecimal(credits);
  const rate = parseDecimal(creditsPerSat);
  if (!amount || !rate || rate.digits === 0n || amount.digits === 0n) return null;
  // (a / 10^sa) / (r / 10^sr) = a * 10^sr / (r * 10^sa)
  const numerator = amount.digits * 10n ** BigInt(rate.scale);
  const denominator = rate.digits * 10n ** BigInt(amount.scale);
  return { sats: numerator / denominator, exact: numerator % denominator === 0n };
}

/** "1,234" for a count of sats (a number, BigInt or decimal string). */
export function formatSats(sats) {
  try {
    return BigInt(sats ?? 0).toLocaleString('en-US');
  } catch {
    return String(sats);
  }
}

/**
 * What a wallet's QR code carries for an invoice: the BOLT11 URI upper-cased
 * (BOLT 11's advice: upper case fits QR alphanumeric mode, a smaller code).
 */
export function lightningUri(invoice) {
  return `lightning:${invoice}`.toUpperCase();
}

/** Whether the coordinator's network moves real bitcoin. */
export function isMainnet(network) {
  return network === 'bitcoin' || network === 'mainnet';
}

const TOPUP_STATES = {
  open: { label: 'waiting for payment', tone: 'pending' },
  settled: { label: 'paid', tone: 'paid' },
  expired: { label: 'expired', tone: 'expired' },
};

const PAYOUT_STATES = {
  in_flight: { label: 'in flight', tone: 'pending' },
  succeeded: { label: 'paid out', tone: 'paid' },
  failed: { label: 'failed', tone: 'failed' },
};

/** {label, tone} of a top-up state (tone: the badge's colour). */
export const topupState = (state) => TOPUP_STATES[state] ?? { label: String(state), tone: 'pending' };

/** {label, tone} of a payout state. */
export const payoutState = (state) => PAYOUT_STATES[state] ?? { label: String(state), tone: 'pending' };

/** "no route" for LND's "FAILURE_REASON_NO_ROUTE"; anything else as it came. */
export function failureText(reason) {
  if (!reason) return '';
  const m = /^FAILURE_REASON_([A-Z_]+)$/.exec(reason);
  return m ? m[1].toLowerCase().replaceAll('_', ' ') : String(reason);
}
