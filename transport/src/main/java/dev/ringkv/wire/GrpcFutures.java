package dev.ringkv.wire;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import java.util.concurrent.CompletableFuture;

/** Bridges gRPC's future stubs to {@link CompletableFuture}. */
public final class GrpcFutures {

  private GrpcFutures() {}

  public static <T> CompletableFuture<T> toCompletable(ListenableFuture<T> future) {
    CompletableFuture<T> result = new CompletableFuture<>() {
      @Override
      public boolean cancel(boolean mayInterrupt) {
        future.cancel(mayInterrupt);
        return super.cancel(mayInterrupt);
      }
    };
    Futures.addCallback(future, new FutureCallback<T>() {
      @Override
      public void onSuccess(T value) {
        result.complete(value);
      }

      @Override
      public void onFailure(Throwable error) {
        result.completeExceptionally(error);
      }
    }, MoreExecutors.directExecutor());
    return result;
  }
}
