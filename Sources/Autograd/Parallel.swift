import Platform  // pthreads, through the one seam to the C library
import Synchronization

/// How the engine spreads one operation over several cores: split its independent work
/// (images, rows, ranges of elements) into one contiguous share per worker, and run the
/// shares at once. Each share writes only its own part of the output, so no locks are
/// needed, and the result is one worker's, number for number, except where a sum is
/// split (a convolution kernel's gradient, summed per worker) or a matrix product is
/// cut into bands (OpenBLAS may round a band's edges in another order): there the last
/// bits may differ. A given worker count always gives the same result.
///
/// A second thread is only worth waking for enough work: below `minimumWork` (in the
/// caller's unit: elements, multiply–adds) the share runs on the calling thread alone.
/// BLAS itself stays single-threaded (OpenBLAS's own threads spin while they wait and
/// collapse when the machine is busy); the engine cuts big products into bands itself.
public enum Parallel {
  /// The number of workers (1: everything on the calling thread), set by
  /// `Engine.configure(threads:)`.
  public static var workers: Int {
    Workers.override ?? Workers.count.load(ordering: .relaxed)
  }

  /// Runs `body` with `count` workers in this task only (tests compare one worker
  /// with several while other tests run beside them).
  public static func withWorkers<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
    try Workers.$override.withValue(Swift.max(1, count)) { try body() }
  }

  /// Calls `body` with contiguous shares of 0..<count, one per worker, at the same time
  /// when there is enough work (`count · workPerItem ≥ minimumWork`), otherwise once
  /// with the whole range. `body` must write only what its share owns.
  public static func forEachShare(
    of count: Int, workPerItem: Int = 1, minimumWork: Int = 1 << 15,
    _ body: (Range<Int>) -> Void
  ) {
    forEachNumberedShare(of: count, workPerItem: workPerItem, minimumWork: minimumWork) {
      body($1)
    }
  }

  // MARK: book:parallel-shares
  /// The same, also passing each share's number, 0..<min(workers, count), for work
  /// that keeps a partial result per share (the one run on a single thread is 0).
  public static func forEachNumberedShare(
    of count: Int, workPerItem: Int = 1, minimumWork: Int = 1 << 15,
    _ body: (_ share: Int, _ range: Range<Int>) -> Void
  ) {
    let shares = Swift.min(workers, count)
    guard shares > 1, count * workPerItem >= minimumWork else {
      if count > 0 { body(0, 0..<count) }
      return
    }
    let tally = MatrixWork.tally  // helpers count their products into the caller's
    withoutActuallyEscaping(body) { body in
      WorkerPool.shared(helpers: shares - 1).run(shares: shares) { share in
        MatrixWork.$tally.withValue(tally) {
          body(share, count * share / shares..<count * (share + 1) / shares)
        }
      }
    }
  }
  // MARK: end

  /// Runs body(0), …, body(count − 1), spread over the workers in contiguous blocks.
  public static func forEach(
    _ count: Int, workPerItem: Int = 1, minimumWork: Int = 1 << 15,
    _ body: (Int) -> Void
  ) {
    forEachShare(of: count, workPerItem: workPerItem, minimumWork: minimumWork) {
      for i in $0 { body(i) }
    }
  }
}

enum Workers {
  static let count = Atomic<Int>(1)
  @TaskLocal static var override: Int?
}

/// Helper threads that wait for shares of work. A region is published as one atomic
/// ticket (generation, number of shares, next unclaimed share); every thread, the
/// caller included, claims shares by compare-and-swap until none is left, so a helper
/// that is asleep or descheduled (another program busy on its core) costs nothing: the
/// caller simply claims its share too. Between regions a helper spins for a while (the
/// next region of a training step is microseconds away) and then sleeps.
final class WorkerPool: @unchecked Sendable {
  private let ticket = Atomic<Int>(0)  // generation << 32 | shares << 16 | next share
  private let unfinished = Atomic<Int>(0)
  private let busy = Atomic<Bool>(false)
  private let sleepers = Atomic<Int>(0)
  // Written by the caller before a region is published, read by claimants after.
  nonisolated(unsafe) private var job: ((Int) -> Void)?
  private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  private let helpers: Int

  private static let pools = Mutex<[Int: WorkerPool]>([:])

  /// The pool with `helpers` helper threads, started on first use and kept.
  static func shared(helpers: Int) -> WorkerPool {
    pools.withLock { pools in
      if let pool = pools[helpers] { return pool }
      let pool = WorkerPool(helpers: helpers)
      pools[helpers] = pool
      return pool
    }
  }

  private init(helpers: Int) {
    self.helpers = helpers
    pthread_mutex_init(lock, nil)
    pthread_cond_init(wake, nil)
    for _ in 0..<helpers {
      let context = Unmanaged.passRetained(self).toOpaque()
      var thread = pthread_t()
      let started = pthread_create(
        &thread, nil,
        { context in
          Unmanaged<WorkerPool>.fromOpaque(context!).takeRetainedValue().serve()
          return nil
        }, context)
      require(started == 0, "WorkerPool", "could not start a worker thread (\(started))")
      pthread_detach(thread)
    }
  }

  /// Runs job(0), …, job(shares − 1) on the caller and the helpers; returns when all
  /// are done. A region started inside another (or while another thread's region
  /// runs) runs on its caller alone.
  func run(shares: Int, _ job: @escaping (Int) -> Void) {
    guard shares <= 0xFFFF,
      busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
    else {
      for share in 0..<shares { job(share) }
      return
    }
    self.job = job
    unfinished.store(shares, ordering: .relaxed)
    let generation = (ticket.load(ordering: .relaxed) >> 32) + 1
    ticket.store(generation << 32 | shares << 16, ordering: .sequentiallyConsistent)
    if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
      pthread_mutex_lock(lock)
      pthread_cond_broadcast(wake)
      pthread_mutex_unlock(lock)
    }
    claimShares(of: generation)
    while unfinished.load(ordering: .acquiring) > 0 {}
    self.job = nil
    busy.store(false, ordering: .releasing)
  }

  // MARK: book:worker-pool-claim
  /// Claims and runs shares of region `generation` until none is left.
  private func claimShares(of generation: Int) {
    while true {
      let current = ticket.load(ordering: .acquiring)
      let (shares, next) = ((current >> 16) & 0xFFFF, current & 0xFFFF)
      guard current >> 32 == generation, next < shares else { return }
      guard
        ticket.compareExchange(
          expected: current, desired: current + 1, ordering: .acquiringAndReleasing
        ).exchanged
      else { continue }
      job!(next)
      unfinished.subtract(1, ordering: .releasing)
    }
  }
  // MARK: end

  /// A helper's life: wait for a region, claim shares, wait again.
  private func serve() -> Never {
    var seen = 0
    while true {
      var generation = ticket.load(ordering: .acquiring) >> 32
      var spins = 0
      while generation == seen {
        spins += 1
        if spins > 200_000 {  // about a tenth of a millisecond of nothing: sleep
          sleepers.add(1, ordering: .sequentiallyConsistent)
          pthread_mutex_lock(lock)
          while ticket.load(ordering: .sequentiallyConsistent) >> 32 == seen {
            pthread_cond_wait(wake, lock)
          }
          pthread_mutex_unlock(lock)
          sleepers.subtract(1, ordering: .sequentiallyConsistent)
          spins = 0
        }
        generation = ticket.load(ordering: .acquiring) >> 32
      }
      seen = generation
      claimShares(of: generation)
    }
  }
}
