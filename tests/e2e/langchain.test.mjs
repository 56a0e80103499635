// LangChain.js at the last `@langchain/openai` that runs on Node 20 through the
// shared suite; the newest runs the same suite on Node 22
// (tests/e2e/current/langchain.test.mjs).
import * as langchainOpenai from '@langchain/openai';
import { HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { langchainSuite } from './langchain_suite.mjs';

langchainSuite({ label: 'on Node 20', name: 'e2e-langchain', langchainOpenai, HumanMessage, tool, z });
