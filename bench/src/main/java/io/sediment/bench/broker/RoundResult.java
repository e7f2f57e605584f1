package io.sediment.bench.broker;

/**
 * What one run of one broker on one workload measured: start-up, memory (KiB, from {@code /proc/<pid>/status}) and
 * the two tools' results.
 *
 * @param rssAfterStartKb {@code VmRSS} right after start-up (idle, empty)
 * @param peakRssKb       {@code VmHWM} after the consumer finished: the largest resident set of the whole run
 * @param peakRssFileKb   {@code RssFile} at the end of the run: the file-backed part of the resident set (mapped
 *                        log segments and jars), which the kernel can drop under memory pressure
 */
record RoundResult(Peer peer, Workload workload, int round, double startupMillis, double formatMillis,
                   long rssAfterStartKb, long peakRssKb, long peakRssFileKb, PerfTool.ProducerRun producer,
                   PerfTool.ConsumerRun consumer) {
}
