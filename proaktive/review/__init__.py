"""The review page of `proaktive preview --html`: one self-contained HTML file."""
