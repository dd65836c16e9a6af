export { TAG, PoolFactsSchema, poolFactsFromTags, type PoolFacts, type TagList } from './pool.js';
