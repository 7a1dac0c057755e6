package io.pagedstream.batcher;

import java.util.Optional;

/** Where {@link BatchPacker} puts a request. */
public sealed interface Placement {

  /** Into this open batch. */
  record Join(String batchId) implements Placement {}

  /** Into a new batch; first close {@code closeFirst} when as many batches are open as allowed. */
  record OpenNew(Optional<String> closeFirst) implements Placement {}
}
