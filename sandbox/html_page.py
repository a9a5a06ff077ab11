"""The one HTML page around everything the sandbox shows people (a Confluence page, an issue, the index)."""

from __future__ import annotations

import html

STYLE = ("body{font-family:system-ui,-apple-system,'Segoe UI','Noto Sans','Noto Sans CJK SC','PingFang SC',"
         "'Microsoft YaHei',sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;color:#172B4D;font-size:14px;"
         "line-height:1.45}a{color:#0052CC;text-decoration:none}table{border-collapse:collapse;margin:8px 0}"
         "td,th{border:1px solid #C1C7D0;padding:5px 9px;vertical-align:top;text-align:left}th{background:#F4F5F7}"
         "img{max-width:100%}details{margin:6px 0;padding:4px 8px;border-left:3px solid #DFE1E6}"
         "summary{cursor:pointer;color:#0052CC}.meta,nav{color:#6B778C;font-size:12px}"
         ".banner{background:#FFFAE6;border:1px solid #FFE380;padding:2px 8px;font-size:12px;margin-bottom:12px}"
         ".comment{border-top:1px solid #DFE1E6;padding:8px 0}.comment h3,.comment h4{margin:8px 0 4px}"
         ".comment p,.comment ul{margin:4px 0}code{background:#F4F5F7;padding:0 3px;border-radius:3px}"
         "blockquote{border-left:2px solid #C1C7D0;margin:4px 0;padding-left:10px;color:#42526E}")


def page(title: str, body: str, *, nav: str = "", meta: str = "", footer: str = "") -> str:
    """A standalone page; ``body``, ``nav``, ``meta`` and ``footer`` are HTML, ``title`` is text."""
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)} · pmokit sandbox</title><style>{STYLE}</style></head><body>"
            "<div class='banner'>pmokit sandbox: a local stand-in for Jira and Confluence</div>"
            f"<nav>{nav}</nav><h1>{html.escape(title)}</h1>{f'<p class=meta>{meta}</p>' if meta else ''}"
            f"{body}{footer}</body></html>")
