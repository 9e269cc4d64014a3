package dev.ringkv.manager.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The manager's web dashboard, next to its {@code /metrics}: a page, its script and style
 * (plain files served from the jar; nothing is fetched from elsewhere), and
 * {@code /api/cluster}, the {@link ClusterView} the page draws every second.
 */
public final class DashboardHandler implements HttpHandler {

  private static final Map<String, String> FILES = Map.of(
      "/", "index.html",
      "/index.html", "index.html",
      "/app.js", "app.js",
      "/style.css", "style.css");
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8");

  private final ClusterView view;

  public DashboardHandler(ClusterView view) {
    this.view = view;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!exchange.getRequestMethod().equals("GET")) {
        send(exchange, 405, "text/plain; charset=utf-8", bytes("only GET is served here\n"));
      } else if (path.equals("/api/cluster")) {
        send(exchange, 200, "application/json", bytes(view.json()));
      } else if (FILES.containsKey(path)) {
        String file = FILES.get(path);
        try (InputStream in = getClass().getResourceAsStream("/dashboard/" + file)) {
          if (in == null) {
            send(exchange, 500, "text/plain; charset=utf-8", bytes("missing " + file + "\n"));
          } else {
            send(exchange, 200, TYPES.get(file.substring(file.lastIndexOf('.') + 1)),
                in.readAllBytes());
          }
        }
      } else {
        send(exchange, 404, "text/plain; charset=utf-8",
            bytes("no page " + path + "; the dashboard is at / and metrics at /metrics\n"));
      }
    }
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
