/**
 * The results sink: a Kafka Connect sink connector ({@link
 * io.pagedstream.sink.CompletionSinkConnector}) writing {@code llm.completions} to JSONL files,
 * exactly once, and {@link io.pagedstream.sink.EmbeddedConnect}, a Connect worker inside the JVM.
 *
 * <h2>Files</h2>
 *
 * <pre>
 * &lt;output.dir&gt;/&lt;job&gt;/part-&lt;topic&gt;-&lt;partition&gt;.jsonl      committed lines of one job from one partition
 * &lt;output.dir&gt;/&lt;job&gt;/part-&lt;topic&gt;-&lt;partition&gt;.&lt;n&gt;.jsonl  the same after n rollovers (file.max.bytes)
 * &lt;output.dir&gt;/.pagedstream/commits/&lt;topic&gt;-&lt;partition&gt;.json   the partition's commit record
 * &lt;output.dir&gt;/.pagedstream/pending/&lt;topic&gt;-&lt;partition&gt;/&lt;first offset&gt;-&lt;job&gt;.jsonl   not yet committed
 * </pre>
 *
 * Each line is the product's result line ({@code GenerationResult.toJson()} of {@code pagedstream
 * generate}), optionally followed by {@code job_id} and {@code cached}. A job's files only ever
 * grow by whole commits: a reader sees a prefix of their final content, never a line that later
 * disappears. Within a file, lines are in partition offset order.
 *
 * <h2>Exactly once</h2>
 *
 * The files, not the consumer group, hold the truth about what was consumed. Per topic partition:
 *
 * <ol>
 *   <li>{@code put}: a record at or below the last offset already appended is a re-delivery and is
 *       skipped. Otherwise its line is appended to the partition's pending file for its job.
 *   <li>{@code preCommit}, when anything was appended: close and fsync the pending files; note each
 *       job's data file and its current length; write the commit record {@code {offset: last
 *       appended offset, publications: [{target, length, pending}]}} to a temporary file, fsync,
 *       rename it over the old record, fsync the folder. <b>This rename is the commit point.</b>
 *       Then publish: for each publication truncate the target to {@code length} (a no-op unless an
 *       earlier attempt was cut short), append the pending file, fsync, delete the pending file.
 *       Return {@code offset + 1}, so the consumer group commits no further than the files.
 *   <li>{@code open} (start, rebalance, restart after a crash): delete a leftover temporary record;
 *       redo every publication of the commit record whose pending file still exists
 *       (truncate-and-append is idempotent, and a pending file is only deleted once its publication
 *       is durable, so a missing one means done); delete every other pending file; then {@code
 *       SinkTaskContext.offset(tp, offset + 1)} (offset 0 without a record: a new output directory
 *       replays the topic from its earliest record).
 * </ol>
 *
 * Crash points, and what recovery makes of them:
 *
 * <ul>
 *   <li>while appending to pending files, or before the record's rename: the old record stands; the
 *       pending files are deleted and their records are consumed again from the old offset.
 *   <li>after the rename, before or during publishing: the new record stands; its publications are
 *       (re)done from the pending files, which were fsynced before the rename.
 *   <li>after publishing, before the consumer group commit: the group is behind the files; the seek
 *       in {@code open} wins, and any records the consumer still returns from before it are skipped
 *       as re-deliveries.
 * </ul>
 *
 * Pending files are named by the offset of their first record, so a later period's file never takes
 * the name of one an old record lists. A failed commit re-runs recovery for its partition and
 * rewinds the consumer; a failure that leaves the files unknown fails the task, whose restart
 * recovers. With {@code fsync=false} all of this holds for a crash of the worker process, not of
 * the machine.
 *
 * <p>Limits: one connector per output directory, and tasks on several workers need a shared file
 * system with atomic rename (NFS is fine, object stores are not). A zombie task (one that lost its
 * partitions in a network partition but has not noticed yet) is not fenced off, as Connect gives
 * sink tasks no way to fence. Offsets are exact per partition; duplicate <em>requests</em> are not
 * the sink's concern, since {@code llm.completions} holds exactly one completion per request when
 * read with {@code isolation.level=read_committed}.
 */
package io.pagedstream.sink;
