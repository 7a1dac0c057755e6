/**
 * The GPU processor: a Kafka consumer-group member that feeds {@code GenerationBatch}es from {@code
 * llm.batches} to one paged-attention engine and writes a {@code Completion} per request to {@code
 * llm.completions}, exactly once.
 *
 * <p>Exactly once works as in Kafka Streams: completions and the input offsets they answer are
 * committed in one Kafka transaction (KIP-447: the consumer's group metadata fences zombies), so a
 * {@code read_committed} reader sees a batch's completions only together with the offset that marks
 * the batch done. A processor that dies mid-batch commits neither; the partition's next owner reads
 * the batch again and answers it once. Batches finish out of order, so completions are held until
 * every earlier batch of the same partition is done, and offsets only ever move over finished
 * batches.
 *
 * <p>The engine is fed continuously: a new batch is taken whenever the engine has admitted
 * everything it holds, so it works on at most its KV budget plus one waiting batch, and finished
 * sequences are replaced by waiting ones at every step.
 */
package io.pagedstream.processor;
