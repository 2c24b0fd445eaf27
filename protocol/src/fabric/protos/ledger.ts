export * as rwset from './rwset';
