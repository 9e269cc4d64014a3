package dev.ringkv.bench.ycsb;

import dev.ringkv.client.GetResult;
import dev.ringkv.client.KvClient;
import dev.ringkv.client.KvClientBuilder;
import dev.ringkv.client.KvException;
import dev.ringkv.ring.Consistency;
import dev.ringkv.security.BearerToken;
import dev.ringkv.security.TlsFiles;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import site.ycsb.ByteArrayByteIterator;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;

/**
 * YCSB's {@code DB} over {@link KvClient}. A record is one value under {@code table/key};
 * updates merge fields (read, merge, write). Scans are not supported: ringkv is not ordered.
 *
 * <p>Properties: {@code ringkv.manager} (default {@code 127.0.0.1:7051}),
 * {@code ringkv.consistency} (ONE, QUORUM, ALL; default QUORUM), {@code ringkv.tls} (a certificate
 * directory), {@code ringkv.token-file}.
 */
public final class RingkvDB extends DB {

  // YCSB makes one DB per client thread; they share one client (and its connections).
  private static final Object LOCK = new Object();
  private static KvClient shared;
  private static int users;

  private KvClient kv;

  @Override
  public void init() throws DBException {
    Properties p = getProperties();
    synchronized (LOCK) {
      if (shared == null) {
        try {
          KvClientBuilder b = KvClient.builder()
              .manager(p.getProperty("ringkv.manager", "127.0.0.1:7051"))
              .consistency(Consistency.parse(p.getProperty("ringkv.consistency", "QUORUM")));
          if (p.getProperty("ringkv.tls") != null) {
            b.tls(TlsFiles.trustOnly(Path.of(p.getProperty("ringkv.tls"), "ca.crt")));
          }
          if (p.getProperty("ringkv.token-file") != null) {
            b.token(BearerToken.readFile(Path.of(p.getProperty("ringkv.token-file"))));
          }
          shared = b.build();
          shared.table(); // fail now, clearly, if the cluster cannot be reached
        } catch (RuntimeException e) {
          shared = null;
          throw new DBException("cannot connect to ringkv: " + e.getMessage(), e);
        }
      }
      users++;
      kv = shared;
    }
  }

  @Override
  public void cleanup() {
    synchronized (LOCK) {
      if (--users == 0 && shared != null) {
        shared.close();
        shared = null;
      }
    }
  }

  @Override
  public Status read(String table, String key, Set<String> fields,
      Map<String, ByteIterator> result) {
    try {
      GetResult r = kv.get(table + "/" + key);
      if (!r.found()) {
        return Status.NOT_FOUND;
      }
      FieldCodec.decode(r.valueBytes()).forEach((name, bytes) -> {
        if (fields == null || fields.contains(name)) {
          result.put(name, new ByteArrayByteIterator(bytes));
        }
      });
      return Status.OK;
    } catch (KvException | IllegalArgumentException e) {
      return Status.ERROR;
    }
  }

  @Override
  public Status insert(String table, String key, Map<String, ByteIterator> values) {
    return write(table + "/" + key, toBytes(values));
  }

  @Override
  public Status update(String table, String key, Map<String, ByteIterator> values) {
    try {
      GetResult existing = kv.get(table + "/" + key);
      Map<String, byte[]> merged = existing.found()
          ? new HashMap<>(FieldCodec.decode(existing.valueBytes())) : new HashMap<>();
      merged.putAll(toBytes(values));
      return write(table + "/" + key, merged);
    } catch (KvException | IllegalArgumentException e) {
      return Status.ERROR;
    }
  }

  @Override
  public Status delete(String table, String key) {
    try {
      kv.delete(table + "/" + key);
      return Status.OK;
    } catch (KvException e) {
      return Status.ERROR;
    }
  }

  @Override
  public Status scan(String table, String startKey, int recordCount, Set<String> fields,
      Vector<HashMap<String, ByteIterator>> result) {
    return Status.NOT_IMPLEMENTED;
  }

  private Status write(String key, Map<String, byte[]> fields) {
    try {
      kv.put(key, FieldCodec.encode(fields));
      return Status.OK;
    } catch (KvException | IllegalArgumentException e) {
      return Status.ERROR;
    }
  }

  private static Map<String, byte[]> toBytes(Map<String, ByteIterator> values) {
    Map<String, byte[]> out = new HashMap<>();
    values.forEach((name, it) -> out.put(name, it.toArray()));
    return out;
  }
}
