// The privacy canary (tests/lib/privacy_suite.mjs) over plain HTTP.
import { definePrivacyTests } from '../lib/privacy_suite.mjs';

definePrivacyTests('privacy');
