package weavetarget;

/** A super class, for hooks that select subclasses only. */
public abstract class Base {
    public abstract void free();

    public void release() {
        free();
    }
}
