package dev.keyway.dns.http;

import dev.keyway.relay.http.BodyCodings;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a request body as raw bytes, bounded, whatever its {@code Content-Type}: iroh-dns-server
 * (axum, {@code body: Bytes}) never looks at it, and Vert.x Web's {@code BodyHandler} would try to
 * decode {@code application/x-www-form-urlencoded} (curl's default for {@code --data-binary}) as
 * a form and fail with a 500 on binary payloads.
 *
 * <ul>
 *   <li>a {@code Content-Length} above the limit is refused with 413 before any byte is read, an
 *       unparsable one with 400;
 *   <li>otherwise the body is collected chunk by chunk (with or without {@code Content-Length}:
 *       chunked HTTP/1.1 and HTTP/2 included) and refused with 413 as soon as it passes the
 *       limit, so never more than the limit is buffered;
 *   <li>a body under a content coding is refused with 415, one under a transfer coding other
 *       than chunked with 501 ({@link BodyCodings}): the bytes would be read as sent;
 *   <li>{@code Expect: 100-continue} is answered (after the length check); any other
 *       expectation is a 417;
 *   <li>a body not complete within the timeout is a 408;
 *   <li>the collected body is put in the {@link RoutingContext} for {@link #of} and the next
 *       handler runs.
 * </ul>
 * 413s and 408s go through the router's failure handler (iroh's JSON error body). After a
 * refusal the rest of the body is dropped unread and the request's connection (HTTP/1.x) or
 * stream (HTTP/2) is ended, so that a client cannot keep the server reading.
 */
final class RawBody implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(RawBody.class);
  private static final String KEY = RawBody.class.getName() + ".body";
  /** Set once this handler has sent a 100 Continue or refused the body. */
  private static final String HANDLED = RawBody.class.getName() + ".handled";
  /** How long a client whose body is refused may keep sending before its connection is closed. */
  static final long LINGER_MILLIS = 2_000;

  private final long limit;
  private final Duration timeout;

  private RawBody(long limit, Duration timeout) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit " + limit + " < 0");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    this.limit = limit;
    this.timeout = timeout;
  }

  /**
   * A handler reading bodies of at most {@code limit} bytes, which must arrive in full within
   * {@code timeout} of the request (else 408, and the connection or stream is ended as after a
   * 413): a client trickling bytes keeps an idle timeout from firing, not this one.
   */
  static RawBody limit(long limit, Duration timeout) {
    return new RawBody(limit, timeout);
  }

  /**
   * First on every route: a request whose client waits for a 100 Continue before sending its
   * body, and is answered without one (404, 405, a malformed query: routes that never read a
   * body), has its connection closed after the answer, as hyper's server does. The client may
   * never send that body, and its next request on the connection would be read as the body.
   */
  static void closeIfContinueWithheld(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (req.version() != HttpVersion.HTTP_2 && !req.isEnded()
        && "100-continue".equalsIgnoreCase(req.getHeader(HttpHeaders.EXPECT))) {
      ctx.addHeadersEndHandler(v -> {
        if (ctx.get(HANDLED) == null && !req.isEnded()) {
          refuse(ctx, () -> { }); // the answer is already on its way
        }
      });
    }
    ctx.next();
  }

  /** The body read by a {@code RawBody} earlier on the route; empty if none was read. */
  static Buffer of(RoutingContext ctx) {
    Buffer body = ctx.get(KEY);
    return body == null ? Buffer.buffer() : body;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    long declared = -1;
    String cl = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (cl != null) {
      try {
        declared = Long.parseLong(cl.trim());
      } catch (NumberFormatException e) {
        declared = -2;
      }
      if (declared < 0) {
        refuse(ctx, () -> ctx.fail(ApiError.badRequest("invalid Content-Length: " + cl).asFailure()));
        return;
      }
      if (declared > limit) {
        refuse(ctx, () -> ctx.fail(413));
        return;
      }
    }
    String coding = BodyCodings.unsupportedTransferCoding(req);
    if (coding != null) {
      ApiError error = ApiError.unsupportedTransferCoding(coding);
      refuse(ctx, () -> ctx.fail(error.asFailure()));
      return;
    }
    coding = BodyCodings.unsupportedContentCoding(req);
    if (coding != null) {
      ApiError error = ApiError.unsupportedContentCoding(coding);
      refuse(ctx, () -> ctx.fail(error.asFailure()));
      return;
    }
    if (req.isEnded()) {
      ctx.put(KEY, Buffer.buffer());
      ctx.next();
      return;
    }
    String expect = req.getHeader(HttpHeaders.EXPECT);
    if (expect != null) {
      if (!expect.equalsIgnoreCase("100-continue")) {
        refuse(ctx, () -> ctx.fail(417));
        return;
      }
      if (req.version() != HttpVersion.HTTP_1_0) {
        ctx.response().writeContinue();
        ctx.put(HANDLED, Boolean.TRUE);
      }
    }
    new Collector(ctx, declared).start();
  }

  /**
   * Answers without keeping (the rest of) the body, which is read and dropped. On HTTP/1.x the
   * answer says {@code Connection: close} and the connection is closed once the answer is out
   * and the client has finished sending (closing with unread bytes would reset the connection
   * and could lose the answer), or after {@link #LINGER_MILLIS} if it keeps sending. On HTTP/2
   * a stream still sending after {@link #LINGER_MILLIS} is reset with {@code NO_ERROR}
   * (RFC 9113 §8.1); other streams of the connection are not affected.
   */
  private static void refuse(RoutingContext ctx, Runnable answer) {
    HttpServerRequest req = ctx.request();
    ctx.put(HANDLED, Boolean.TRUE);
    if (!req.isEnded()) {
      boolean http2 = req.version() == HttpVersion.HTTP_2;
      HttpConnection connection = req.connection();
      Promise<Void> drained = Promise.promise();
      long timer = ctx.vertx().setTimer(LINGER_MILLIS, t -> drained.tryComplete());
      req.handler(chunk -> { });
      req.exceptionHandler(e -> drained.tryComplete());
      req.endHandler(v -> drained.tryComplete());
      if (!http2) {
        ctx.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
      }
      ctx.addEndHandler(ar -> drained.future().onComplete(v -> {
        ctx.vertx().cancelTimer(timer);
        if (!http2) {
          if (connection != null) {
            connection.close();
          }
        } else if (!req.isEnded()) {
          ctx.response().reset(0);
        }
      }));
      req.resume();
    }
    answer.run();
  }

  /** Collects one request's body. */
  private final class Collector {
    private final RoutingContext ctx;
    private final Buffer body;
    private boolean done;
    private long deadline = -1;

    Collector(RoutingContext ctx, long declared) {
      this.ctx = ctx;
      this.body = Buffer.buffer((int) Math.min(Math.max(declared, 256), limit));
    }

    void start() {
      HttpServerRequest req = ctx.request();
      req.handler(this::chunk);
      req.endHandler(v -> end());
      req.exceptionHandler(this::failed);
      deadline = ctx.vertx().setTimer(timeout.toMillis(), t -> timedOut());
      // Vert.x Web's router paused the request before routing
      req.resume();
    }

    private void timedOut() {
      if (done || ctx.response().closed()) {
        return;
      }
      done = true;
      refuse(ctx, () -> ctx.fail(new ApiError(408, "request body did not arrive within "
          + dev.keyway.relay.config.Durations.format(timeout), Map.of()).asFailure()));
    }

    private void chunk(Buffer chunk) {
      if (done) {
        return;
      }
      if (body.length() + (long) chunk.length() > limit) {
        done = true;
        ctx.vertx().cancelTimer(deadline);
        refuse(ctx, () -> ctx.fail(413));
        return;
      }
      body.appendBuffer(chunk);
    }

    private void end() {
      if (done) {
        return;
      }
      done = true;
      ctx.vertx().cancelTimer(deadline);
      ctx.put(KEY, body);
      ctx.next();
    }

    private void failed(Throwable e) {
      if (done) {
        return;
      }
      done = true;
      ctx.vertx().cancelTimer(deadline);
      LOG.debug("{} {}: request body failed: {}", ctx.request().method(), ctx.request().path(),
          e.toString());
      if (!ctx.response().closed() && !ctx.response().ended()) {
        ctx.fail(ApiError.badRequest("request body could not be read").asFailure());
      }
    }
  }
}
