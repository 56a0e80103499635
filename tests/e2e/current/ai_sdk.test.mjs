// The newest majors of the AI SDK (ai, @ai-sdk/openai,
// @ai-sdk/openai-compatible), which need Node 22 (run with
// tests/e2e/current/node_modules/.bin/node by scripts/test), through the same
// suite as on Node 20 (tests/e2e/ai_sdk_suite.mjs).
import * as ai from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { z } from 'zod';
import { aiSdkSuite } from '../ai_sdk_suite.mjs';

aiSdkSuite({ label: 'on Node 22', name: 'e2e-ai-sdk-node22', ai, createOpenAI, createOpenAICompatible, z });
