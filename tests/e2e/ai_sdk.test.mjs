// The AI SDK's last majors that run on Node 20 (ai 6, @ai-sdk/openai 3,
// @ai-sdk/openai-compatible 2) through the shared suite; the newest majors run
// the same suite on Node 22 (tests/e2e/current/ai_sdk.test.mjs).
import * as ai from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { z } from 'zod';
import { aiSdkSuite } from './ai_sdk_suite.mjs';

aiSdkSuite({ label: 'on Node 20', name: 'e2e-ai-sdk', ai, createOpenAI, createOpenAICompatible, z });
