package io.pagedstream.core.request;

import java.util.ArrayList;
import java.util.List;

/** Token ids between the engine's {@code int[]} and the {@code List<Integer>} of Avro records. */
public final class TokenIds {

  private TokenIds() {}

  public static List<Integer> toList(int[] ids) {
    List<Integer> out = new ArrayList<>(ids.length);
    for (int id : ids) {
      out.add(id);
    }
    return out;
  }

  public static int[] toArray(List<Integer> ids) {
    int[] out = new int[ids.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ids.get(i);
    }
    return out;
  }
}
