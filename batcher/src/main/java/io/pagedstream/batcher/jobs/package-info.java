/**
 * Bulk jobs' progress: a Kafka Streams aggregation of {@code llm.requests} and {@code
 * llm.completions} by job id into the compacted {@code llm.jobs} topic, which {@code pagedstream
 * status} reads. Submissions and answers are counted once per (job, request id), so a re-submitted
 * job shows its re-submissions apart instead of counting them twice.
 */
package io.pagedstream.batcher.jobs;
