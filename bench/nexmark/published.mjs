// Per-core Nexmark throughput that Flink and RisingWave publish, shown beside Eddy's figures. Both count
// events per second per CPU core over the whole job, reading their source included (Flink generates the
// events inside the job; RisingWave reads them from Kafka), on several cores of server machines; Eddy's
// figures count the records it reads from its own stream, on one core of whatever machine runs the
// benchmark. They set a scale, not a like-for-like race.

export const FLINK = {
  source: 'https://github.com/nexmark/nexmark/blob/master/GUIDE_V1.md',
  what: 'Flink 1.13–2.0, the Nexmark project’s published result table (“Throughput/Cores”): 100M events generated at 10M/s, 8 TaskManagers of 1 slot on 3 workers of 8 cores, RocksDB state, mini-batch on',
  // Events per second per core.
  perCore: {
    q0: 155_020, q1: 157_940, q2: 175_210, q3: 152_120, q4: 34_330, q5: 22_140, q7: 12_330, q8: 146_140, q9: 14_240, q10: 57_810,
    q11: 39_700, q12: 75_670, q13: 130_730, q14: 161_230, q15: 72_420, q16: 18_650, q17: 116_800, q18: 53_700, q19: 44_040,
    q20: 18_980, q21: 98_490, q22: 129_960,
  },
};

export const RISINGWAVE = {
  source: 'https://docs.risingwave.com/get-started/rw-benchmarks-stream-processing',
  what: 'RisingWave nightly-20230309, “Throughput/core”: one node of 8 vCPUs and 16 GB reading Nexmark events from Kafka, results to a blackhole sink (q11, q12, q13 and q19 not published)',
  perCore: {
    q0: 118_410, q1: 119_370, q2: 127_360, q3: 97_358, q4: 13_923, q5: 5_225, q7: 20_348, q8: 60_732, q9: 8_221, q10: 106_150,
    q14: 45_371, q15: 78_525, q16: 8_057, q17: 17_314, q18: 9_846, q20: 12_726, q21: 89_377, q22: 110_500,
  },
};

/** Events per second on one core that issue 12 asks of Eddy. */
export const TARGETS = { q0: 1_000_000, q1: 1_000_000, q2: 1_000_000, q5: 300_000, q7: 300_000, q8: 300_000, q11: 300_000 };
