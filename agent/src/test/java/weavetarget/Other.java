package weavetarget;

/** Not a subclass of {@link Base}. */
public class Other {
    public void release() {
    }
}
