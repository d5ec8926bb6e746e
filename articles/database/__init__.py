"""The database layer: table names from `_meta`, and every trigger and derived table with its checks.

Here a newcomer finds all the SQL that keeps data in step behind the ORM's back:

- `tables.py`: the names raw SQL gives to tables (a model's from `Model._meta.db_table`; the
  derived tables', which no model describes, once).
- `triggers.py`: triggers keeping derived columns in step with articles (the search index's
  visibility, tag listings' dates, the feed's count), re-created after every `migrate` on
  SQLite, and `missing()` to check that they are all there.
- `page_version.py`: the page cache's version, a table and triggers that live outside the
  migrations and are made after every `migrate` (see the README, "Production": the page cache).

It sits above `articles.models` and below everything that reads (`reading`, `pagecache`,
`search`, ...), which may import it; it imports nothing of theirs.
"""
