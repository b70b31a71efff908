import { describe, expect, it } from 'vitest';
import { MAX_CANDIDATE_LOADS } from '#shared/record.js';
import { CACHE_AWARE_DEFAULTS, CacheAwarePolicy, type CacheAwareOptions } from '../../proxy/policies/cache-aware.js';
import { decide, leastLoaded } from '../../proxy/policies/policy.js';
import { PowerOfTwoPolicy } from '../../proxy/policies/power-of-two.js';
import { RandomPolicy } from '../../proxy/policies/random.js';
import { RoundRobinPolicy } from '../../proxy/policies/round-robin.js';
import { createBackend, type Backend } from '../../proxy/workers/backend.js';

function workers(...inFlight: number[]): Backend[] {
  return inFlight.map((load, i) => ({ ...createBackend(`worker-${i}`, `http://127.0.0.1:${42100 + i}`), inFlight: load }));
}

function cacheAware(options: Partial<CacheAwareOptions> = {}): CacheAwarePolicy {
  const policy = new CacheAwarePolicy({ ...CACHE_AWARE_DEFAULTS, ...options });
  policy.close();
  return policy;
}

const SYSTEM_A = 'You are a legal assistant. Cite the statute and keep it short. Question: ';
const SYSTEM_B = 'Translate the following paragraph into French, formally: ';

describe('round_robin, random and power_of_two name their branch and the candidates\' loads', () => {
  it('round_robin: decision round_robin, every candidate\'s in-flight count', () => {
    const pool = workers(2, 0, 5);
    const decision = new RoundRobinPolicy().select(pool);
    expect({ node: decision.worker.nodeId, decision: decision.decision, loads: decision.candidateLoads, rate: decision.prefixMatchRate }).toEqual({
      node: 'worker-0', decision: 'round_robin', loads: { 'worker-0': 2, 'worker-1': 0, 'worker-2': 5 }, rate: undefined,
    });
  });

  it('random: decision random, every candidate\'s in-flight count', () => {
    const decision = new RandomPolicy().select(workers(1, 3));
    expect({ decision: decision.decision, loads: decision.candidateLoads }).toEqual({ decision: 'random', loads: { 'worker-0': 1, 'worker-1': 3 } });
  });

  it('power_of_two: decision two_choices, the two sampled workers\' loads, the less loaded wins', () => {
    const decision = new PowerOfTwoPolicy().select(workers(4, 1));
    expect({ node: decision.worker.nodeId, decision: decision.decision, loads: decision.candidateLoads }).toEqual({
      node: 'worker-1', decision: 'two_choices', loads: { 'worker-1': 1, 'worker-0': 4 },
    });
  });

  it('a retry attempt is labelled retry whatever the policy chose', () => {
    const decision = decide(new RoundRobinPolicy(), workers(0, 0), '', true);
    expect({ node: decision.worker.nodeId, decision: decision.decision }).toEqual({ node: 'worker-0', decision: 'retry' });
    expect(decide(new RoundRobinPolicy(), workers(0, 0), '', false).decision).toBe('round_robin');
  });

  it(`candidate_loads lists at most ${MAX_CANDIDATE_LOADS} workers and always the chosen one`, () => {
    const pool = workers(...Array.from({ length: 100 }, () => 1));
    const policy = new RoundRobinPolicy();
    for (let i = 0; i < 99; i++) policy.select(pool);
    const decision = policy.select(pool);
    expect(decision.worker.nodeId).toBe('worker-99');
    expect(Object.keys(decision.candidateLoads)).toHaveLength(MAX_CANDIDATE_LOADS);
    expect(decision.candidateLoads['worker-99']).toBe(1);
  });
});

describe('cache_aware branches (SGLang Model Gateway semantics)', () => {
  it('min_load: below the threshold, the least loaded worker when loads differ', () => {
    const decision = cacheAware().select(workers(3, 1, 2), `${SYSTEM_A}first`);
    expect({ node: decision.worker.nodeId, decision: decision.decision, loads: decision.candidateLoads, rate: decision.prefixMatchRate }).toEqual({
      node: 'worker-1', decision: 'min_load', loads: { 'worker-1': 1, 'worker-0': 3, 'worker-2': 2 }, rate: 0,
    });
  });

  it('smallest_tree: below the threshold with equal loads, the worker holding the least text', () => {
    const policy = cacheAware();
    const pool = workers(0, 0);
    expect(policy.select(pool, SYSTEM_A).worker.nodeId).toBe('worker-0');
    const decision = policy.select(pool, SYSTEM_B);
    expect({ node: decision.worker.nodeId, decision: decision.decision, rate: decision.prefixMatchRate }).toEqual({ node: 'worker-1', decision: 'smallest_tree', rate: 0 });
  });

  it('tree_match: a prefix match above --cache-threshold keeps the prompt on the worker that has it', () => {
    const policy = cacheAware({ cacheThreshold: 0.5 });
    const pool = workers(0, 0);
    policy.select(pool, SYSTEM_A);
    policy.select(pool, SYSTEM_B);
    pool[0]!.inFlight = 3; // busier, but balanced by the default thresholds (abs 64)
    const decision = policy.select(pool, `${SYSTEM_A}what is a tort?`);
    expect(decision.worker.nodeId).toBe('worker-0');
    expect(decision.decision).toBe('tree_match');
    expect(decision.prefixMatchRate).toBeCloseTo(SYSTEM_A.length / `${SYSTEM_A}what is a tort?`.length, 10);
    expect(decision.candidateLoads).toEqual({ 'worker-0': 3, 'worker-1': 0 });
  });

  it('a match at or below --cache-threshold is not a tree_match', () => {
    const policy = cacheAware({ cacheThreshold: 0.9 });
    const pool = workers(0, 0);
    policy.select(pool, SYSTEM_A);
    pool[0]!.inFlight = 1;
    const decision = policy.select(pool, `${SYSTEM_A}and now a much longer question that dilutes the shared prefix well below ninety percent`);
    expect({ node: decision.worker.nodeId, decision: decision.decision }).toEqual({ node: 'worker-1', decision: 'min_load' });
  });

  it('imbalance: when max − min in-flight exceeds both thresholds, the least loaded wins over a full match', () => {
    const policy = cacheAware({ balanceAbsThreshold: 4, balanceRelThreshold: 1.5 });
    const pool = workers(0, 0);
    policy.select(pool, SYSTEM_A);
    pool[0]!.inFlight = 10;
    pool[1]!.inFlight = 5;
    const decision = policy.select(pool, SYSTEM_A);
    expect({ node: decision.worker.nodeId, decision: decision.decision, loads: decision.candidateLoads, rate: decision.prefixMatchRate }).toEqual({
      node: 'worker-1', decision: 'imbalance', loads: { 'worker-1': 5, 'worker-0': 10 }, rate: 1,
    });
  });

  it('no imbalance when only one threshold is exceeded (abs yes, rel no)', () => {
    const policy = cacheAware({ balanceAbsThreshold: 4, balanceRelThreshold: 3 });
    const pool = workers(0, 0);
    policy.select(pool, SYSTEM_A);
    pool[0]!.inFlight = 10;
    pool[1]!.inFlight = 5; // 10 − 5 > 4, but 10 < 5 × 3
    expect(policy.select(pool, SYSTEM_A).decision).toBe('tree_match');
  });
});

describe('leastLoaded (one function for policies and the proxy\'s own routes)', () => {
  it('fewest in-flight wins; equal load goes to the lower tie-break, then to the earliest listed', () => {
    const pool = workers(2, 1, 1);
    expect(leastLoaded(pool)).toEqual({ worker: pool[1], tieBroken: false });
    const sizes = new Map([[pool[1]!, 50], [pool[2]!, 10]]);
    expect(leastLoaded(pool, (worker) => sizes.get(worker) ?? 0)).toEqual({ worker: pool[2], tieBroken: true });
    expect(leastLoaded(pool, () => 7)).toEqual({ worker: pool[1], tieBroken: false });
  });
});
