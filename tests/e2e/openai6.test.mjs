// The openai SDK's last major that runs on Node 20 (openai 6, installed as
// `openai6` in tests/package.json) through the shared suite; the newest major
// runs the same suite on Node 22 (tests/e2e/current/openai.test.mjs).
import OpenAI from 'openai6';
import { zodResponseFormat } from 'openai6/helpers/zod';
import { z } from 'zod';
import { openaiSuite } from './openai_suite.mjs';

openaiSuite({ label: 'on Node 20', name: 'e2e-openai6', OpenAI, zodResponseFormat, z });
