package io.sediment.broker;

/**
 * The states of a classic group, with the names Kafka reports in ListGroups and DescribeGroups.
 * <pre>
 * Empty ──join──► PreparingRebalance ──all joined / rebalance timeout──► CompletingRebalance ──leader's sync──► Stable
 *   ▲                  ▲    │ no member left                                 │ member joins, leaves or dies  │
 *   └──────────────────┼────┘                                                ▼                               │
 *                      └──────────────────────────────────── PreparingRebalance ◄────────────────────────────┘
 * Empty ──DeleteGroups / offsets expired──► Dead (removed)
 * </pre>
 */
enum GroupState {
    EMPTY("Empty"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    STABLE("Stable"),
    DEAD("Dead");

    final String kafkaName;

    GroupState(final String kafkaName) {
        this.kafkaName = kafkaName;
    }
}
