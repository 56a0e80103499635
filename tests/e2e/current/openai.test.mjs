// The newest major of the openai SDK, which needs Node 22 (run with
// tests/e2e/current/node_modules/.bin/node by scripts/test), through the same
// suite as openai 6 on Node 20 (tests/e2e/openai_suite.mjs).
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { openaiSuite } from '../openai_suite.mjs';

openaiSuite({ label: 'on Node 22', name: 'e2e-openai-node22', OpenAI, zodResponseFormat, z });
