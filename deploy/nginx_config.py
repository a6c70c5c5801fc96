"""Write the nginx configuration for N Uptake replicas from deploy/nginx.conf.template.

Usage: python deploy/nginx_config.py --listen 8080 --replica 127.0.0.1:8501 \
           --replica 127.0.0.1:8502 --workdir /var/lib/uptake-nginx > nginx.conf
"""

from __future__ import annotations

import argparse
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")


def render(listen_port: int, replicas: list[str], workdir: Path) -> str:
    """The configuration text: replica i is named r<i> in the sticky cookie."""
    names = [f"r{i}" for i in range(1, len(replicas) + 1)]
    upstreams = []
    for name, address in zip(names, replicas, strict=True):
        servers = [f"        server {address} max_fails=1 fail_timeout=5s;"]
        servers += [f"        server {other} backup;" for other in replicas if other != address]
        upstreams.append(f"    upstream replica_{name} {{\n" + "\n".join(servers) + "\n    }")
    pool = "\n".join(
        f"        server {address} max_fails=1 fail_timeout=5s;" for address in replicas
    )
    upstreams.append(f"    upstream uptake_pool {{\n{pool}\n    }}")
    text = TEMPLATE.read_text(encoding="utf-8")
    replacements = {
        "@@UPSTREAMS@@": "\n".join(upstreams),
        "@@COOKIE_TO_UPSTREAM@@": "\n".join(f"        {n} replica_{n};" for n in names),
        "@@ADDRESS_TO_NAME@@": "\n".join(
            f'        "{a}" {n};' for n, a in zip(names, replicas, strict=True)
        ),
        "@@LISTEN_PORT@@": str(listen_port),
        "@@WORKDIR@@": str(workdir),
    }
    for marker, value in replacements.items():
        text = text.replace(marker, value)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, required=True, help="port nginx listens on")
    parser.add_argument(
        "--replica", action="append", required=True, help="HOST:PORT of a replica (repeat)"
    )
    parser.add_argument("--workdir", type=Path, required=True, help="nginx's pid, logs, temp")
    args = parser.parse_args()
    print(render(args.listen, args.replica, args.workdir), end="")


if __name__ == "__main__":
    main()
