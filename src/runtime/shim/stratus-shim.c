/*
 * stratus-shim: a tiny per-container monitor (the role conmon plays for CRI-O).
 *
 *   stratus-shim run --runc BIN --root DIR --bundle DIR --id ID --log FILE --exit-file FILE
 *                    [--log-max-bytes N] [--log-max-files K] [--memory-cgroup DIR] [--start 1]
 *                    [--overlay-target DIR --overlay-options DATA --overlay-cwd DIR]
 *     With --overlay-*: first mounts the container's overlay root filesystem (mount(2) from DIR, the directory
 *     the lower dirs in DATA are relative to), so the caller needs no `mount` process.
 *     Becomes a child subreaper, runs `runc create` (`runc run -d` with --start 1) with pipes as the container's stdout/stderr,
 *     reports "OK <pid>" (or "ERR <message>") on its own stdout and closes it, then stays behind:
 *     it writes the container's output to FILE in the CRI log format (rotated by size), reaps the
 *     container's init (re-parented to us when runc create exits) and writes its exit status as JSON
 *     to the exit file (atomically). Survives its parent being killed (we run in our own session).
 *
 *     With --runc-fallback BIN: runc is exec'd from BIN when --runc cannot be (e.g. a gone hold-runc copy).
 *     With --shim-log FILE: our own diagnostics go to FILE (stderr is redirected there first).
 *
 *   stratus-shim warm
 *     A shim spawned ahead of need: reads the arguments of `run` from stdin, one per line, ended by an empty
 *     line, then is that `run`. EOF before the empty line (the agent went away): exits without doing anything.
 *     The agent keeps one waiting, so a container start costs it a write instead of a fork of its process.
 *
 *   stratus-shim hold-runc BIN
 *     Copies the runc binary BIN into a sealed memfd, prints its path (/proc/<pid>/fd/<n>) and keeps it open
 *     until stdin reaches EOF. runc 1.1 copies its own binary into a memfd at every `runc init` (CVE-2019-5736)
 *     unless it already runs from a sealed one; run from this copy, it skips that ≈ 10 MB copy per container.
 *
 *   stratus-shim tty --socket PATH --pid-file FILE -- RUNC_ARGV...
 *     For `runc exec -d -t --console-socket PATH --pid-file FILE ...`: receives the pty master,
 *     copies stdin -> pty and pty -> stdout, reads "<rows> <cols>\n" resize lines from fd 3 (if open),
 *     reaps the exec'd process (re-parented to us) and exits with its exit code (128+signal if killed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK 65536

static void die(const char *msg) {
  dprintf(2, "stratus-shim: %s: %s\n", msg, strerror(errno));
  exit(125);
}

/* SIGCHLD (and with `terminate`, SIGTERM/SIGINT/SIGHUP) delivered through a signalfd. */
static int signal_fd(int terminate) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  if (terminate) {
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
  }
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) die("sigprocmask");
  int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) die("signalfd");
  return fd;
}

/* Returns 1 if a termination signal was among the pending ones. */
static int drain_signalfd(int fd) {
  struct signalfd_siginfo info;
  int terminate = 0;
  while (read(fd, &info, sizeof info) == (ssize_t)sizeof info)
    if (info.ssi_signo != SIGCHLD) terminate = 1;
  return terminate;
}

static int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

static int read_pid_file(const char *path) {
  char buf[32] = {0};
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  return atoi(buf);
}

static void write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    buf += n;
    len -= (size_t)n;
  }
}

static void now_rfc3339(char *out, size_t size) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, size - n, ".%09ldZ", ts.tv_nsec);
}

/* ---------------------------------------------------------------- CRI log writer */

struct log_writer {
  const char *path;
  int fd;
  long long size;
  long long max_bytes; /* 0 = never rotate */
  int max_files;       /* files kept including the current one */
};

static void log_open(struct log_writer *w) {
  w->fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (w->fd < 0) die("open log");
  struct stat st;
  w->size = fstat(w->fd, &st) == 0 ? st.st_size : 0;
}

static void log_rotate(struct log_writer *w) {
  close(w->fd);
  char from[4096], to[4096];
  if (w->max_files <= 1) {
    truncate(w->path, 0);
  } else {
    for (int i = w->max_files - 1; i >= 1; i--) {
      if (i == 1) snprintf(from, sizeof from, "%s", w->path);
      else snprintf(from, sizeof from, "%s.%d", w->path, i - 1);
      snprintf(to, sizeof to, "%s.%d", w->path, i);
      rename(from, to);
    }
  }
  log_open(w);
}

/* Appends one chunk of stream output: complete lines as F, a trailing fragment as P. */
static void log_chunk(struct log_writer *w, const char *stream, const char *data, size_t len) {
  static char out[READ_CHUNK * 2 + 4096];
  char ts[64];
  now_rfc3339(ts, sizeof ts);
  size_t pos = 0, start = 0;
  while (start < len) {
    const char *nl = memchr(data + start, '\n', len - start);
    size_t end = nl ? (size_t)(nl - data) : len;
    size_t need = strlen(ts) + strlen(stream) + 6 + (end - start);
    if (pos + need > sizeof out) {
      write_all(w->fd, out, pos);
      pos = 0;
    }
    pos += (size_t)snprintf(out + pos, sizeof out - pos, "%s %s %c ", ts, stream, nl ? 'F' : 'P');
    memcpy(out + pos, data + start, end - start);
    pos += end - start;
    out[pos++] = '\n';
    start = nl ? end + 1 : len;
  }
  write_all(w->fd, out, pos);
  w->size += (long long)pos;
  if (w->max_bytes > 0 && w->size >= w->max_bytes) log_rotate(w);
}

/* Returns 0 at EOF or error (the fd is then closed and set to -1). */
static int pump_stream(int *fd, struct log_writer *w, const char *stream) {
  static char buf[READ_CHUNK];
  ssize_t n = read(*fd, buf, sizeof buf);
  if (n > 0) {
    log_chunk(w, stream, buf, (size_t)n);
    return 1;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  close(*fd);
  *fd = -1;
  return 0;
}

static int oom_killed(const char *memory_cgroup) {
  if (!memory_cgroup) return 0;
  char path[4096], buf[512];
  snprintf(path, sizeof path, "%s/memory.oom_control", memory_cgroup);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *p = strstr(buf, "oom_kill ");
  return p && atoll(p + 9) > 0;
}

static void write_exit_file(const char *path, int status, int oom) {
  char tmp[4096], ts[64], json[512];
  now_rfc3339(ts, sizeof ts);
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  int len = snprintf(json, sizeof json,
                     "{\"exitCode\":%d,\"signal\":%d,\"oomKilled\":%s,\"finishedAt\":\"%s\"}\n",
                     exit_code_of(status), sig, oom ? "true" : "false", ts);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  write_all(fd, json, (size_t)len);
  fsync(fd);
  close(fd);
  rename(tmp, path);
}

static int run_mode(int argc, char **argv) {
  const char *runc = "runc", *runc_fallback = NULL, *shim_log = NULL, *root = NULL, *bundle = NULL, *id = NULL, *log_path = NULL;
  const char *exit_file = NULL, *memory_cgroup = NULL;
  const char *overlay_target = NULL, *overlay_options = NULL, *overlay_cwd = NULL;
  long long max_bytes = 10 * 1024 * 1024;
  int max_files = 5, start = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    const char *k = argv[i], *v = argv[i + 1];
    if (!strcmp(k, "--runc")) runc = v;
    else if (!strcmp(k, "--runc-fallback")) runc_fallback = v;
    else if (!strcmp(k, "--shim-log")) shim_log = v;
    else if (!strcmp(k, "--root")) root = v;
    else if (!strcmp(k, "--bundle")) bundle = v;
    else if (!strcmp(k, "--id")) id = v;
    else if (!strcmp(k, "--log")) log_path = v;
    else if (!strcmp(k, "--exit-file")) exit_file = v;
    else if (!strcmp(k, "--log-max-bytes")) max_bytes = atoll(v);
    else if (!strcmp(k, "--log-max-files")) max_files = atoi(v);
    else if (!strcmp(k, "--memory-cgroup")) memory_cgroup = v;
    else if (!strcmp(k, "--start")) start = atoi(v);
    else if (!strcmp(k, "--overlay-target")) overlay_target = v;
    else if (!strcmp(k, "--overlay-options")) overlay_options = v;
    else if (!strcmp(k, "--overlay-cwd")) overlay_cwd = v;
  }
  if (shim_log) {
    int fd = open(shim_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd >= 0) {
      dup2(fd, 2);
      close(fd);
    }
  }
  if (!root || !bundle || !id || !log_path || !exit_file) {
    dprintf(1, "ERR stratus-shim run: missing --root, --bundle, --id, --log or --exit-file\n");
    return 2;
  }

  if (overlay_target) {
    if (!overlay_options || !overlay_cwd) {
      dprintf(1, "ERR stratus-shim run: --overlay-target needs --overlay-options and --overlay-cwd\n");
      return 2;
    }
    /* Relative paths (target, bundle, logs) stay relative to where we were started. */
    int here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (here < 0 || chdir(overlay_cwd) < 0 || mount("overlay", overlay_target, "overlay", 0, overlay_options) < 0) {
      dprintf(1, "ERR mount overlay on %s: %s\n", overlay_target, strerror(errno));
      return 1;
    }
    if (fchdir(here) < 0) die("fchdir");
    close(here);
  }

  setsid();
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die("PR_SET_CHILD_SUBREAPER");
  int chld = signal_fd(0);

  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) die("pipe");
  char pid_file[4096], runc_log[4096];
  snprintf(pid_file, sizeof pid_file, "%s/init.pid", bundle);
  snprintf(runc_log, sizeof runc_log, "%s/runc.log", bundle);

  pid_t runc_pid = fork();
  if (runc_pid < 0) die("fork");
  if (runc_pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    /* `run -d` is create+start in one runc process (one Go start-up less) when no gap is needed. */
    char *args[] = {(char *)runc, "--root", (char *)root, "--log", runc_log, start ? "run" : "create", start ? "-d" : "--bundle",
                    start ? "--bundle" : (char *)bundle, start ? (char *)bundle : "--pid-file", start ? "--pid-file" : pid_file,
                    start ? pid_file : (char *)id, start ? (char *)id : NULL, NULL};
    /* `run -d` is create+start in one runc process (one Go start-up less) when no gap is needed. */
    execvp(runc, args);
    int err_no = errno;
    if (runc_fallback) {
      args[0] = (char *)runc_fallback;
      execvp(runc_fallback, args);
      dprintf(2, "exec %s: %s; exec %s: %s (is runc installed? apt-get install runc)\n", runc, strerror(err_no),
              runc_fallback, strerror(errno));
    } else {
      dprintf(2, "exec %s: %s (is runc installed? apt-get install runc)\n", runc, strerror(err_no));
    }
    _exit(127);
  }
  close(out[1]);
  close(err[1]);

  int status;
  while (waitpid(runc_pid, &status, 0) < 0 && errno == EINTR) {
  }
  pid_t init_pid = exit_code_of(status) == 0 ? read_pid_file(pid_file) : -1;
  if (init_pid <= 0) {
    /* runc create failed: hand its own error output back to the caller. */
    char msg[4096] = {0};
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    ssize_t n = read(err[0], msg, sizeof msg - 1);
    if (n < 0) n = 0;
    msg[n] = 0;
    for (char *p = msg; *p; p++)
      if (*p == '\n') *p = ' ';
    dprintf(1, "ERR runc %s exited %d: %s\n", start ? "run" : "create", exit_code_of(status), msg);
    return 1;
  }

  struct log_writer w = {.path = log_path, .max_bytes = max_bytes, .max_files = max_files};
  log_open(&w);
  dprintf(1, "OK %d\n", init_pid);
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  dup2(devnull, 1); /* the caller sees EOF: hand-shake done */
  if (chdir("/") < 0) { /* do not pin the caller's working directory */
  }

  int out_fd = out[0], err_fd = err[0];
  int exited = 0, init_status = 0;
  struct timespec exited_at = {0};
  for (;;) {
    struct pollfd fds[3] = {{chld, POLLIN, 0}, {out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int timeout = -1;
    if (exited) {
      /* After init died, give the pipes a moment to drain (a leaked writer must not keep us forever). */
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      long elapsed = (now.tv_sec - exited_at.tv_sec) * 1000 + (now.tv_nsec - exited_at.tv_nsec) / 1000000;
      if ((out_fd < 0 && err_fd < 0) || elapsed >= 2000) break;
      timeout = (int)(2000 - elapsed);
    }
    int r = poll(fds, 3, timeout);
    if (r < 0 && errno != EINTR) die("poll");
    if (fds[1].revents) pump_stream(&out_fd, &w, "stdout");
    if (fds[2].revents) pump_stream(&err_fd, &w, "stderr");
    if (fds[0].revents) {
      drain_signalfd(chld);
      pid_t p;
      while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
        if (p == init_pid && !exited) {
          exited = 1;
          init_status = status;
          clock_gettime(CLOCK_MONOTONIC, &exited_at);
        }
      }
    }
  }
  write_exit_file(exit_file, init_status, oom_killed(memory_cgroup));
  return 0;
}

/* ---------------------------------------------------------------- exec with a tty */

static int receive_fd(int conn) {
  char data[256];
  struct iovec iov = {data, sizeof data};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf};
  if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

static int tty_mode(int argc, char **argv) {
  const char *socket_path = NULL, *pid_file = NULL;
  int i = 2;
  for (; i < argc; i++) {
    if (!strcmp(argv[i], "--")) {
      i++;
      break;
    }
    if (i + 1 < argc && !strcmp(argv[i], "--socket")) socket_path = argv[++i];
    else if (i + 1 < argc && !strcmp(argv[i], "--pid-file")) pid_file = argv[++i];
  }
  if (!socket_path || !pid_file || i >= argc) {
    dprintf(2, "usage: stratus-shim tty --socket PATH --pid-file FILE -- RUNC_ARGV...\n");
    return 125;
  }
  signal(SIGPIPE, SIG_IGN);
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die("PR_SET_CHILD_SUBREAPER");
  /* SIGTERM from the caller (client went away) kills the exec'd process, which we then reap. */
  int chld = signal_fd(1);
  int terminate = 0;

  int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path);
  unlink(socket_path);
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 1) < 0) die("console socket");

  pid_t runc_pid = fork();
  if (runc_pid < 0) die("fork");
  if (runc_pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(2, 1);
    execvp(argv[i], argv + i);
    dprintf(2, "exec %s: %s\n", argv[i], strerror(errno));
    _exit(127);
  }

  /* Wait for the pty master, or for runc to fail before sending it. */
  int master = -1, runc_done = 0, status = 0;
  while (master < 0) {
    struct pollfd fds[2] = {{listener, POLLIN, 0}, {chld, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) die("poll");
    if (fds[0].revents) {
      int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
      if (conn >= 0) {
        master = receive_fd(conn);
        close(conn);
      }
    }
    if (fds[1].revents) {
      terminate |= drain_signalfd(chld);
      pid_t p;
      while ((p = waitpid(-1, &status, WNOHANG)) > 0)
        if (p == runc_pid) runc_done = 1;
      if (runc_done && master < 0) return exit_code_of(status) == 0 ? 125 : exit_code_of(status);
    }
  }
  close(listener);
  unlink(socket_path);
  if (!runc_done) {
    while (waitpid(runc_pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (exit_code_of(status) != 0) return exit_code_of(status);
  pid_t proc = read_pid_file(pid_file);
  if (proc <= 0) return 125;
  if (terminate) kill(proc, SIGKILL);

  int in_fd = 0, ctl_fd = fcntl(3, F_GETFD) >= 0 ? 3 : -1;
  char buf[READ_CHUNK], ctl[256];
  size_t ctl_len = 0;
  int proc_status = 0, proc_done = 0;
  for (;;) {
    struct pollfd fds[4] = {{chld, POLLIN, 0}, {master, POLLIN, 0}, {in_fd, POLLIN, 0}, {ctl_fd, POLLIN, 0}};
    int r = poll(fds, 4, proc_done ? 200 : -1);
    if (r < 0 && errno != EINTR) die("poll");
    if (r == 0) break; /* exited and the pty went quiet */
    if (fds[1].revents) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n > 0) write_all(1, buf, (size_t)n);
      else if (n < 0 && errno == EINTR) {
      } else {
        if (proc_done) break;
        close(master);
        master = -1;
      }
    }
    if (fds[2].revents) {
      ssize_t n = read(in_fd, buf, sizeof buf);
      if (n > 0 && master >= 0) write_all(master, buf, (size_t)n);
      else if (n <= 0) {
        if (master >= 0) write_all(master, "\x04", 1); /* EOF on stdin: send ^D like a terminal would */
        in_fd = -1;
      }
    }
    if (fds[3].revents) {
      ssize_t n = read(ctl_fd, ctl + ctl_len, sizeof ctl - 1 - ctl_len);
      if (n <= 0) ctl_fd = -1;
      else {
        ctl_len += (size_t)n;
        ctl[ctl_len] = 0;
        char *nl;
        while ((nl = strchr(ctl, '\n'))) {
          struct winsize ws = {0};
          unsigned rows = 0, cols = 0;
          if (sscanf(ctl, "%u %u", &rows, &cols) == 2 && master >= 0) {
            ws.ws_row = (unsigned short)rows;
            ws.ws_col = (unsigned short)cols;
            ioctl(master, TIOCSWINSZ, &ws);
          }
          size_t used = (size_t)(nl - ctl) + 1;
          memmove(ctl, nl + 1, ctl_len - used + 1);
          ctl_len -= used;
        }
        if (ctl_len >= sizeof ctl - 1) ctl_len = 0;
      }
    }
    if (fds[0].revents) {
      if (drain_signalfd(chld)) kill(proc, SIGKILL);
      pid_t p;
      while ((p = waitpid(-1, &status, WNOHANG)) > 0)
        if (p == proc) {
          proc_done = 1;
          proc_status = status;
        }
    }
    if (proc_done && master < 0) break;
  }
  return exit_code_of(proc_status);
}

/* ---------------------------------------------------------------- warm: run's arguments from stdin */

static int warm_mode(void) {
  static char buf[65536];
  size_t len = 0;
  for (;;) {
    if (len >= 2 && buf[len - 1] == '\n' && buf[len - 2] == '\n') break;
    if (len == 1 && buf[0] == '\n') break;
    if (len >= sizeof buf - 1) return 2;
    ssize_t n = read(0, buf + len, sizeof buf - 1 - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0; /* the agent went away before using us */
    len += (size_t)n;
  }
  buf[len] = 0;
  char *args[512];
  int argc = 0;
  args[argc++] = "stratus-shim";
  args[argc++] = "run";
  for (char *line = buf; *line && *line != '\n' && argc < 510; ) {
    char *nl = strchr(line, '\n');
    *nl = 0;
    args[argc++] = line;
    line = nl + 1;
  }
  args[argc] = NULL;
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull >= 0) dup2(devnull, 0);
  return run_mode(argc, args);
}

/* ---------------------------------------------------------------- hold-runc: a sealed copy of runc */

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

static int hold_runc_mode(int argc, char **argv) {
  if (argc < 3) {
    dprintf(2, "usage: stratus-shim hold-runc BIN\n");
    return 2;
  }
  int src = open(argv[2], O_RDONLY | O_CLOEXEC);
  if (src < 0) die("open runc");
  int fd = memfd_create("runc", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL) fd = memfd_create("runc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) die("memfd_create");
  static char buf[1 << 16];
  ssize_t n;
  while ((n = read(src, buf, sizeof buf)) > 0) write_all(fd, buf, (size_t)n);
  if (n < 0) die("read runc");
  close(src);
  if (fchmod(fd, 0755) < 0) die("fchmod");
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) die("seal");
  dprintf(1, "/proc/%d/fd/%d\n", getpid(), fd);
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  dup2(devnull, 1);
  while (read(0, buf, sizeof buf) > 0) {
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "run")) return run_mode(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "warm")) return warm_mode();
  if (argc >= 2 && !strcmp(argv[1], "hold-runc")) return hold_runc_mode(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "tty")) return tty_mode(argc, argv);
  dprintf(2, "usage: stratus-shim run|warm|hold-runc|tty ... (see the comment at the top of stratus-shim.c)\n");
  return 125;
}
