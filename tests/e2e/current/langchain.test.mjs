// The newest @langchain/openai, which needs Node 22 (run with
// tests/e2e/current/node_modules/.bin/node by scripts/test), through the same
// suite as on Node 20 (tests/e2e/langchain_suite.mjs).
import * as langchainOpenai from '@langchain/openai';
import { HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { langchainSuite } from '../langchain_suite.mjs';

langchainSuite({ label: 'on Node 22', name: 'e2e-langchain-node22', langchainOpenai, HumanMessage, tool, z });
