// The privacy canary (tests/lib/privacy_suite.mjs) with every link over TLS
// (issue 16): the consumer's requests over https://, the node over wss://.
import { definePrivacyTests } from '../lib/privacy_suite.mjs';

definePrivacyTests('privacy-tls', { tls: true });
