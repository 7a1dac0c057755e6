package io.pagedstream.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads tensors from a {@code .safetensors} file (8-byte little-endian header length, a JSON
 * header, then raw little-endian data) as float32 values, whole or in chunks.
 *
 * <p>Written here because DJL's PyTorch engine loads TorchScript, not safetensors, and the format
 * is small enough that a reader is less code than a dependency. F16 and BF16 are widened to F32 in
 * Java (exactly); the engine's weight loader narrows them again to the dtype it computes in.
 */
public final class SafetensorsReader implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER = 100L * 1024 * 1024;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;

  private SafetensorsReader(
      Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.tensors = tensors;
  }

  public static SafetensorsReader open(Path path) {
    FileChannel ch = null;
    try {
      ch = FileChannel.open(path, StandardOpenOption.READ);
      long size = ch.size();
      if (size < 8) {
        throw new ModelFormatException(
            path + " is not a safetensors file (only " + size + " bytes)");
      }
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, len, 0);
      long headerLen = len.flip().getLong();
      if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
        throw new ModelFormatException(path + " has a bad safetensors header length " + headerLen);
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLen);
      readFully(ch, header, 8);
      JsonNode root = JSON.readTree(header.array());
      Map<String, TensorInfo> infos = new LinkedHashMap<>();
      long dataLen = size - 8 - headerLen;
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("__metadata__")) {
          continue;
        }
        TensorInfo info = parseInfo(path, e.getKey(), e.getValue());
        if (info.end() > dataLen) {
          throw new ModelFormatException(
              path
                  + ": tensor "
                  + info.name()
                  + " runs past the end of the file (truncated download?)");
        }
        infos.put(e.getKey(), info);
      }
      return new SafetensorsReader(path, ch, 8 + headerLen, Collections.unmodifiableMap(infos));
    } catch (IOException e) {
      closeQuietly(ch);
      throw new ModelFormatException("cannot read " + path + ": " + e.getMessage());
    } catch (RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  private static TensorInfo parseInfo(Path path, String name, JsonNode n) {
    JsonNode offsets = n.get("data_offsets");
    JsonNode shape = n.get("shape");
    if (!n.hasNonNull("dtype") || offsets == null || offsets.size() != 2 || shape == null) {
      throw new ModelFormatException(path + ": malformed header entry for tensor " + name);
    }
    long[] dims = new long[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = shape.get(i).asLong();
    }
    TensorInfo info =
        new TensorInfo(
            name, n.get("dtype").asText(), dims, offsets.get(0).asLong(), offsets.get(1).asLong());
    int width = TensorInfo.dtypeBytes(info.dtype());
    if (width > 0 && info.end() - info.begin() != info.elementCount() * width) {
      throw new ModelFormatException(
          path
              + ": tensor "
              + name
              + " has "
              + (info.end() - info.begin())
              + " bytes but shape "
              + info.shapeText()
              + " of "
              + info.dtype()
              + " needs "
              + info.elementCount() * width);
    }
    return info;
  }

  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  public boolean has(String name) {
    return tensors.containsKey(name);
  }

  public Path path() {
    return path;
  }

  /** The header entry of a tensor, checking that it exists and has the expected shape. */
  public TensorInfo info(String name, long... expectedShape) {
    TensorInfo info = tensors.get(name);
    if (info == null) {
      throw new ModelFormatException(path.getFileName() + " has no tensor " + name);
    }
    if (!Arrays.equals(info.shape(), expectedShape)) {
      throw new ModelFormatException(
          "tensor "
              + name
              + " has shape "
              + info.shapeText()
              + ", expected "
              + Arrays.toString(expectedShape));
    }
    return info;
  }

  /** The tensor's values widened to float32, in row-major order (for tests and small tensors). */
  public FloatBuffer readFloats(TensorInfo info) {
    long count = info.elementCount();
    if (count > Integer.MAX_VALUE) {
      throw new ModelFormatException("tensor " + info.name() + " is too large for one buffer");
    }
    FloatBuffer out =
        ByteBuffer.allocateDirect((int) count * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    readFloats(info, 0, out);
    return out.flip();
  }

  /**
   * Reads {@code out.remaining()} values of a tensor from element {@code first} on, widened to
   * float32, so a caller can move a large tensor in chunks. The file is read, not mapped: mapped
   * pages would count as the process's resident memory until the mapping is collected.
   */
  public void readFloats(TensorInfo info, long first, FloatBuffer out) {
    int width = TensorInfo.dtypeBytes(info.dtype());
    if (width < 0) {
      throw new ModelFormatException(
          "tensor " + info.name() + " has dtype " + info.dtype() + "; supported: F32, F16, BF16");
    }
    int count = out.remaining();
    if (first < 0 || first + count > info.elementCount()) {
      throw new IndexOutOfBoundsException(
          "elements " + first + ".." + (first + count) + " of tensor " + info.name());
    }
    ByteBuffer raw = rawBuffer(count * width);
    try {
      readFully(channel, raw, dataStart + info.begin() + first * width);
    } catch (IOException e) {
      throw new ModelFormatException(
          "cannot read tensor " + info.name() + " from " + path + ": " + e.getMessage());
    }
    raw.flip();
    switch (info.dtype()) {
      case "F32" -> out.put(raw.asFloatBuffer());
      case "BF16" -> {
        for (int i = 0; i < count; i++) {
          out.put(Float.intBitsToFloat((raw.getShort() & 0xffff) << 16));
        }
      }
      default -> {
        for (int i = 0; i < count; i++) {
          out.put(HalfFloat.toFloat(raw.getShort()));
        }
      }
    }
  }

  private ByteBuffer raw;

  /**
   * One reused read buffer: a fresh array per chunk would leave the whole model behind as heap
   * garbage until a collection, and the heap's pages count as resident memory.
   */
  private ByteBuffer rawBuffer(int bytes) {
    if (raw == null || raw.capacity() < bytes) {
      raw = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
    raw.clear();
    raw.limit(bytes);
    return raw;
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new IOException("unexpected end of file");
      }
      pos += n;
    }
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing useful to do: the file was only read
      }
    }
  }
}
