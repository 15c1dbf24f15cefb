/**
 * The op spec table (test/helpers/op-table.ts) on the TypeScript reference backend.
 */
import { defineOpTable } from './helpers/op-table.js';

defineOpTable();
