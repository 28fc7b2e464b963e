"""SQLite writers take turns: threads on a lock, processes on an flock of a file."""
import multiprocessing
import threading

from fieldapp.db.sqlite_writers import SqliteWriteLock

WAIT_S = 0.3  # long enough for a writer that is not blocked to have run


def test_a_thread_waits_for_the_writer_before_it(tmp_path):
    turns = SqliteWriteLock(str(tmp_path / "x.db"))
    wrote = threading.Event()

    def writer():
        with turns.turn():
            wrote.set()

    with turns.turn():
        other = threading.Thread(target=writer)
        other.start()
        assert not wrote.wait(WAIT_S)
    assert wrote.wait(5)
    other.join()


def _process_writer(path: str, wrote, forgotten) -> None:
    from fieldapp.db.sqlite_writers import _write_locks

    forgotten.value = not _write_locks
    with SqliteWriteLock(path).turn():
        wrote.set()


def test_another_process_waits_and_a_fork_opens_its_own_lock(tmp_path):
    from sqlalchemy import create_engine

    from fieldapp.db.sqlite_writers import sqlite_write_turn

    path = str(tmp_path / "x.db")
    turns = SqliteWriteLock(path)
    fork = multiprocessing.get_context("fork")
    wrote, forgotten = fork.Event(), fork.Value("b", False)
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn, sqlite_write_turn(conn):  # this process now holds a turn
        pass
    with turns.turn():
        child = fork.Process(target=_process_writer, args=(path, wrote, forgotten))
        child.start()
        assert not wrote.wait(WAIT_S)
    assert wrote.wait(5)
    child.join(5)
    assert child.exitcode == 0 and forgotten.value
    engine.dispose()


def test_the_writes_of_a_process_share_one_connection(tmp_path):
    """Each other connection's write empties a SQLite connection's page cache."""
    from sqlalchemy import create_engine

    from fieldapp.db.sqlite_writers import sqlite_write_turn

    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as one, engine.connect() as other:
        with sqlite_write_turn(one) as first:
            pass
        with sqlite_write_turn(other) as second:
            pass
    assert first is second and first is not one and first is not other
    engine.dispose()
