//! Pre-order traversal of a syntax tree with a cursor (no recursion, so deep
//! trees cannot overflow the stack).

use tree_sitter::Node;

/// Visits `root` and its descendants in document order; `visit` returns
/// whether to descend into the node it was given.
pub fn preorder<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>) -> bool) {
    let mut cursor = root.walk();
    loop {
        if visit(cursor.node()) && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}
