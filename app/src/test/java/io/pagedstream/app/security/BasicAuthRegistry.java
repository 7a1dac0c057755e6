package io.pagedstream.app.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pagedstream.schemas.registry.InMemorySchemaRegistry;
import io.pagedstream.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * The two schema registry endpoints the pipeline's serdes call (register a schema, fetch one by
 * id), over plain HTTP on 127.0.0.1, answering 401 without the right basic-auth credentials. A real
 * HTTP registry rather than {@code mock://}, so that a service in another JVM shares it and the
 * credentials really travel through each service's {@code --kafka-config}. (schemas'
 * FakeRegistryServer covers the whole API, HTTPS and error bodies in depth.)
 */
final class BasicAuthRegistry implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern REGISTER = Pattern.compile("/subjects/([^/]+)/versions");
  private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(\\d+)");

  private final InMemorySchemaRegistry backing = new InMemorySchemaRegistry();
  private final HttpServer server;
  private final String authorization;
  private final AtomicInteger refused = new AtomicInteger();

  private BasicAuthRegistry(HttpServer server, String user, String password) {
    this.server = server;
    this.authorization =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    server.createContext("/", this::handle);
    server.start();
  }

  static BasicAuthRegistry start(String user, String password) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    return new BasicAuthRegistry(server, user, password);
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Requests answered 401. */
  int refused() {
    return refused.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!authorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        refused.incrementAndGet();
        send(exchange, 401, error(401, "Unauthorized"));
        return;
      }
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getRawPath();
      Matcher m;
      try {
        if ("POST".equals(method) && (m = REGISTER.matcher(path)).matches()) {
          JsonNode body = JSON.readTree(exchange.getRequestBody());
          Schema schema = new Schema.Parser().parse(body.path("schema").asText());
          int id = backing.register(URLDecoder.decode(m.group(1), StandardCharsets.UTF_8), schema);
          send(exchange, 200, JSON.createObjectNode().put("id", id).toString());
        } else if ("GET".equals(method) && (m = BY_ID.matcher(path)).matches()) {
          Schema schema = backing.schemaById(Integer.parseInt(m.group(1)));
          send(exchange, 200, JSON.createObjectNode().put("schema", schema.toString()).toString());
        } else {
          send(
              exchange,
              404,
              error(404, "not served by this test registry: " + method + " " + path));
        }
      } catch (SchemaRegistryException e) {
        send(exchange, e.status(), error(e.errorCode(), e.getMessage()));
      }
    }
  }

  private static String error(int code, String message) {
    return JSON.createObjectNode().put("error_code", code).put("message", message).toString();
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
